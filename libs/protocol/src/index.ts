export * from './gpu.js';
