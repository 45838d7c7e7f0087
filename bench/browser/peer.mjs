// The peer of bench/browser.sh: the same page work with Playwright driving the same
// Chromium. Each page gets a fresh context, as each gaia instance does.
//   node peer.mjs MODE URL INSTANCES TABS COUNT [OUTDIR]
//   MODE: load (goto + wait for #app), shot (the same, then a full-page screenshot) or
//   har (load, recording OUTDIR/INDEX.har with recordHar, bodies omitted as gaia's are)
//   PEER_ARGS: extra Chromium switches, space-separated (default: none, Playwright as users run it)
import { chromium } from 'playwright-core';

const [mode, url, instances, tabs, count, outdir] = process.argv.slice(2);
const total = Number(count);
const browsers = await Promise.all(
  Array.from({ length: Number(instances) }, () => chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: (process.env.PEER_ARGS || '').split(' ').filter(Boolean),
  })));
let next = 0;
let failed = 0;
async function worker(browser) {
  for (let i = next++; i < total; i = next++) {
    const context = await browser.newContext(
      mode === 'har' ? { recordHar: { path: `${outdir}/${i}.har`, content: 'omit' } } : {});
    try {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForSelector('#app');
      if (mode === 'shot') await page.screenshot({ path: `${outdir}/shot-${i}.png`, fullPage: true });
    } catch (e) {
      ++failed;
      console.error(e.message);
    } finally {
      await context.close();
    }
  }
}
await Promise.all(browsers.flatMap((b) => Array.from({ length: Number(tabs) }, () => worker(b))));
await Promise.all(browsers.map((b) => b.close()));
if (failed) {
  console.error(`${failed} of ${total} pages failed`);
  process.exit(1);
}
