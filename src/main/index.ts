// Electron's entry point for main. Kept to one call: everything else is testable without Electron.
import { startApp } from './shell/start';

startApp();
