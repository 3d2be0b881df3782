// Expediente numbers are gapless and unique per year, even under concurrent filings.
import test from 'ava';
import { startStack } from './helpers/stack';
import { fileMultipart, loginAs } from './helpers/http';
import { filingInput } from './helpers/filing';

test('50 concurrent filings get 50 consecutive numbers, no gaps and no duplicates', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => fileMultipart(stack.base, ciudadano, { tipoDocumento: 'CARTA', asunto: `Carta número ${i}` })),
  );
  t.true(results.every((r) => r.status === 201));
  const numbers = results.map((r) => Number(r.body.numero.split('-')[0])).sort((a, b) => a - b);
  t.deepEqual(numbers, Array.from({ length: 50 }, (_, i) => i + 1));
  const years = new Set(results.map((r) => r.body.numero.split('-')[1]));
  t.is(years.size, 1);
  const started = await stack.db('expedientes').whereNotNull('workflow_iniciado_en').count<{ count: number }[]>('* as count');
  t.is(Number(started[0].count), 50);
});

test('a failed filing gives its number back', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const { fileExpediente } = await import('../services/expedientes/registro');
  const input = (asunto: string, remitente: string) => filingInput(asunto, { remitente });
  const a = await fileExpediente(stack.db, input('Primera', 'Ana'));
  // remitente is NOT NULL: the insert fails after the counter moved, and the transaction rolls back.
  await t.throwsAsync(() => fileExpediente(stack.db, input('Falla', null as never)));
  const b = await fileExpediente(stack.db, input('Segunda', 'Ana'));
  t.is(Number(b.row.numero.split('-')[0]), Number(a.row.numero.split('-')[0]) + 1);
});

test('numbers past 99999 keep every digit, and the stored workflow id is the one the API derives', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const { fileExpediente, formatNumero } = await import('../services/expedientes/registro');
  const { workflowIdFor } = await import('../workflows/definitions');
  const now = new Date();
  const anio = Number(now.toLocaleDateString('en-CA', { timeZone: 'America/Lima' }).slice(0, 4));
  await stack.db('expediente_counters').insert({ anio, ultimo: 99_998 }).onConflict('anio').merge();
  const rows = await Promise.all(['a', 'b', 'c'].map((a) => fileExpediente(stack.db, filingInput(a, {}, now), now)));
  const numeros = rows.map((r) => r.row.numero).sort();
  t.deepEqual(numeros, [formatNumero(100_000, anio), formatNumero(100_001, anio), formatNumero(99_999, anio)].sort());
  t.is(formatNumero(99_999, anio), `99999-${anio}`);
  t.is(formatNumero(7, anio), `00007-${anio}`);
  for (const { row } of rows) t.is(row.workflow_id, workflowIdFor(row.numero));
});
