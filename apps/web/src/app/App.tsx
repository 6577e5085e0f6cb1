import { RouterProvider } from './router';
import { SessionProvider } from './session';
import { Layout } from './Layout';
import { Routes } from './Routes';

export function App() {
  return (
    <RouterProvider>
      <SessionProvider>
        <Layout>
          <Routes />
        </Layout>
      </SessionProvider>
    </RouterProvider>
  );
}
