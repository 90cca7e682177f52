// ReDoc on our own document; no network beyond this server.
Redoc.init('/openapi.json', { hideDownloadButton: false }, document.getElementById('redoc'));
