// The web UI's entry point: the stylesheets and the application, mounted on #app.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { App } from './app';
import { applyTheme } from './theme';

applyTheme();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
