// The real mail and PDF parts: nodemailer into a real SMTP server, and Chromium printing A4 PDFs,
// surviving a browser crash without losing the job.
import test from 'ava';
import { PDFDocument } from 'pdf-lib';
import { createMailer } from '../lib/mailer';
import { startMailCatcher } from '../lib/mailcatcher';
import { createPdfRenderer } from '../lib/pdf';
import { pdfChromium } from './helpers/stack';

test('mail sent through SMTP arrives with its text, html and attachment', async (t) => {
  const catcher = await startMailCatcher();
  t.teardown(() => catcher.close());
  const mailer = createMailer(`smtp://127.0.0.1:${catcher.smtpPort}`, 'Mesa de Partes <mesa@demo.gob.pe>');
  t.teardown(() => mailer.close());
  t.true(await mailer.verify());
  await mailer.send({
    to: 'ciudadana@example.pe',
    subject: 'Cargo de recepción 00007-2026',
    text: 'Su expediente fue registrado.',
    html: '<p>Su expediente fue <b>registrado</b>.</p>',
    attachments: [{ filename: 'cargo.txt', content: Buffer.from('cargo') }],
  });
  const mail = await catcher.waitFor((m) => m.subject.includes('00007-2026'));
  t.deepEqual(mail.to, ['ciudadana@example.pe']);
  t.is(mail.text.trim(), 'Su expediente fue registrado.');
  t.true(mail.html.includes('<b>registrado</b>'));
  t.is(mail.attachments[0].content.toString(), 'cargo');
});

test('an SMTP outage makes sending fail (so the caller retries) and works once it is back', async (t) => {
  const catcher = await startMailCatcher();
  t.teardown(() => catcher.close());
  const mailer = createMailer(`smtp://127.0.0.1:${catcher.smtpPort}`, 'mesa@demo.gob.pe');
  t.teardown(() => mailer.close());
  catcher.setDown(true);
  await t.throwsAsync(mailer.send({ to: 'a@example.pe', subject: 'Prueba', text: 'x' }));
  t.is(catcher.messages.length, 0);
  catcher.setDown(false);
  await mailer.send({ to: 'a@example.pe', subject: 'Prueba', text: 'x' });
  t.is(catcher.messages.length, 1);
});

test('Chromium prints an A4 PDF and a crashed browser is replaced without losing the job', async (t) => {
  const pdf = createPdfRenderer(pdfChromium());
  t.teardown(() => pdf.close());
  const first = await pdf.render('<h1>Cargo de recepción</h1><p>Expediente 00001-2026</p>');
  const doc = await PDFDocument.load(first);
  const { width, height } = doc.getPage(0).getSize();
  // A4 is 595.28 × 841.89 points; Chromium rounds to hundredths of an inch (595.92 × 841.92).
  t.true(Math.abs(width - 595.28) < 1, `ancho ${width}`);
  t.true(Math.abs(height - 841.89) < 1, `alto ${height}`);

  const pid = await pdf.browserPid();
  t.truthy(pid);
  process.kill(pid!, 'SIGKILL');
  const second = await pdf.render('<p>Después del fallo</p>');
  t.is((await PDFDocument.load(second)).getPageCount(), 1);
  t.not(await pdf.browserPid(), pid);
});
