// PLACEHOLDER page, replaced by the full "Setup third-party integrations" screen.
export function renderPage(token: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Conduit</title><body data-token="${token}">Setup third-party integrations</body>`;
}
