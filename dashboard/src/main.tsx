// Dashboard entry: restore the session from the cookie, then render the app.
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
