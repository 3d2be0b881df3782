// One config module: defaults, and a bad value stops start-up naming the variable.
import test from 'ava';
import { ConfigError, loadConfig } from '../lib/config';

test('defaults follow DESIGN.md', (t) => {
  const c = loadConfig({});
  t.is(c.http.port, 3000);
  t.is(c.temporal.address, '127.0.0.1:7233');
  t.is(c.temporal.taskQueue, 'expedientes');
  t.deepEqual(c.plazos, { validacion: 1, subsanacion: 2, atencion: 30 });
  t.is(c.calendar.opens, '08:30');
  t.is(c.calendar.closes, '16:30');
  t.is(c.limits.principalBytes, 20 * 1024 * 1024);
  t.is(c.limits.maxAnexos, 5);
});

test('environment values override the defaults', (t) => {
  const c = loadConfig({ PORT: '8080', PLAZO_ATENCION_DIAS: '15', SMTP_URL: 'smtp://mail:25', HORARIO_FIN: '17:00' });
  t.is(c.http.port, 8080);
  t.is(c.http.publicUrl, 'http://localhost:8080');
  t.is(c.plazos.atencion, 15);
  t.is(c.mail.smtpUrl, 'smtp://mail:25');
  t.is(c.calendar.closes, '17:00');
});

const bad: [string, string, RegExp][] = [
  ['PORT', 'tres mil', /PORT=.*número entero/],
  ['PORT', '70000', /PORT=.*entre 1 y 65535/],
  ['DATABASE_URL', 'mysql://x', /DATABASE_URL=.*protocolo/],
  ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS=.*host:puerto/],
  ['HORARIO_INICIO', '8.30', /HORARIO_INICIO=.*HH:MM/],
  ['DEMO', 'quizás', /DEMO=/],
  ['PLAZO_SUBSANACION_DIAS', '0', /PLAZO_SUBSANACION_DIAS=/],
];
for (const [key, value, message] of bad) {
  test(`a bad ${key} (${value}) is refused naming the variable`, (t) => {
    const err = t.throws(() => loadConfig({ [key]: value }), { instanceOf: ConfigError });
    t.regex(err!.message, message);
  });
}

test('business hours must open before they close', (t) => {
  t.throws(() => loadConfig({ HORARIO_INICIO: '17:00', HORARIO_FIN: '08:00' }), { instanceOf: ConfigError, message: /HORARIO_INICIO/ });
});
