import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { preload } from './app/route-table';
import './styles.css';

const root = document.getElementById('root');
// The first page's code arrives before the first render, so it shows without a loading step.
// (Not a top-level await: page chunks import this entry chunk, which must finish evaluating first.)
void preload(window.location.pathname).then(() => {
  if (!root) return;
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
