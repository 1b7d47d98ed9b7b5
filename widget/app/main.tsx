// Entry of the chat iframe (/widget/{channelId}?visitorId=…&parentOrigin=…): reads the page URL and mounts the app.
import { render } from 'preact';
import { App } from './App';
import './styles.css';

const VISITOR_RE = /^visitor_[0-9a-f-]{36}$/;

function ownVisitorId(): string {
  // Opened directly rather than through the loader: keep an id of our own, like the loader does.
  const key = 'chat_widget_visitor_id';
  try {
    const stored = localStorage.getItem(key);
    if (stored && VISITOR_RE.test(stored)) return stored;
    const id = `visitor_${crypto.randomUUID()}`;
    localStorage.setItem(key, id);
    return id;
  } catch {
    return `visitor_${crypto.randomUUID()}`;
  }
}

const params = new URLSearchParams(location.search);
const channelId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const given = params.get('visitorId');
const root = document.getElementById('app');
if (root) {
  render(
    <App
      channelId={channelId}
      visitorId={given && VISITOR_RE.test(given) ? given : ownVisitorId()}
      parentOrigin={params.get('parentOrigin')}
      page={params.get('page')}
    />,
    root,
  );
}
