// Web budget (a benchmark, not a test: it prints figures). Against the real `vigil serve` in
// Debian's headless Chromium:
//   - bytes transferred (compressed, as on the wire) by the first load of the findings view,
//     signed in, cold cache: budget 150 KB;
//   - time from the findings data arriving (performance mark "findings-data") to the table of
//     100 rows being in the DOM ("findings-rendered"), median of RUNS: budget 100 ms.
// Usage: node bench/web/run.mjs   (VIGIL_BIN, default build/vigil; RUNS, default 15)
import { join } from 'node:path';
import { launch } from '../../tests/web/e2e.mjs';
import { PASSWORD, seed, startServer } from '../../tests/web/server.mjs';

const runs = Number(process.env.RUNS || 15);
const srv = await startServer();
const ctx = await launch();
try {
  const data = await seed(srv.api, 100);
  const page = ctx.pages()[0] || (await ctx.newPage());
  // Sign in through the API so the first page load below is the findings view itself.
  const r = await page.request.post(`${srv.base}/api/v1/auth/session`, { data: { username: data.username, password: PASSWORD } });
  if (!r.ok()) throw new Error(`sign-in: ${r.status()}`);

  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  let bytes = 0, requests = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; requests++; });
  await page.goto(`${srv.base}/#/findings`, { waitUntil: 'networkidle' });
  await page.locator('tbody tr').first().waitFor();
  console.log(`first load of the findings view: ${(bytes / 1024).toFixed(1)} KB transferred in ${requests} requests (budget 150 KB)`);

  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.goto(`${srv.base}/#/findings?per_page=100&x=${i}`);
    await page.locator('tbody tr:nth-child(100)').waitFor();
    times.push(await page.evaluate(() => {
      const m = performance.measure('render', 'findings-data', 'findings-rendered');
      return m.duration;
    }));
    await page.goto('about:blank');
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)];
  console.log(`render of 100 findings after the data arrived: median ${med.toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms over ${runs} runs (budget 100 ms)`);
} finally {
  await ctx.close();
  await srv.stop();
}
