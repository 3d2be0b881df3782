// Takes screenshots of pages with the project's Chromium, to look at what a person sees:
//   npx tsx test/tools/screenshot.ts <url> <out.png> [width] [url2 out2.png …]
import puppeteer from 'puppeteer-core';
import { launchOptions } from '../../lib/pdf';

const args = process.argv.slice(2);
const browser = await puppeteer.launch(launchOptions(process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium'));
try {
  for (let i = 0; i + 1 < args.length; i += 2) {
    const page = await browser.newPage();
    const width = Number(process.env.WIDTH ?? 1280);
    await page.setViewport({ width, height: 900 });
    await page.goto(args[i], { waitUntil: 'networkidle0', timeout: 30_000 });
    await page.screenshot({ path: args[i + 1] as `${string}.png`, fullPage: true });
    console.log(`${args[i]} → ${args[i + 1]}`);
    await page.close();
  }
} finally {
  await browser.close();
}
