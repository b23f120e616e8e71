// What the map area shows instead of points: no steps yet, steps not placed yet, or the form
// that asks for the API's token.

import { $, el, fmtInt, replaceChildren } from './dom.js';
import { setToken } from './api.js';

export function showEmpty(table) {
  const empty = $('#empty');
  empty.hidden = false;
  if (table.size === 0) {
    replaceChildren(
      empty,
      el('h2', { text: 'No steps yet' }),
      el(
        'p',
        {},
        'logviz reads agent logs from ~/.claude/projects, ~/.codex/sessions and ~/.gemini/tmp, or from the folders named in ',
        el('code', { text: 'LOGVIZ_SOURCES' }),
        '. Put logs there, then press Load and then Index above (or run ',
        el('code', { text: 'scripts/up.sh' }),
        ', or POST /load then POST /index: ',
        el('a', { href: '/docs', text: 'API docs' }),
        '). The map appears here when they have finished.',
      ),
    );
  } else {
    replaceChildren(
      empty,
      el('h2', { text: 'Nothing on the map yet' }),
      el('p', {
        text: `${fmtInt(table.size)} steps are loaded, but none is placed yet: press Index above (or POST /index, or scripts/up.sh). The map appears here when it has finished.`,
      }),
    );
  }
}

export function hideEmpty() {
  $('#empty').hidden = true;
}

export function askForToken(message) {
  const form = el(
    'form',
    { id: 'token-form' },
    el('h2', { text: 'This logviz API needs its token' }),
    el('p', { text: message }),
    el('input', { type: 'password', id: 'token-input', placeholder: 'LOGVIZ_API_TOKEN', autocomplete: 'off' }),
    el('button', { type: 'submit', text: 'Use token' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken($('#token-input').value.trim());
    window.location.reload();
  });
  const empty = $('#empty');
  empty.hidden = false;
  replaceChildren(empty, form);
}
