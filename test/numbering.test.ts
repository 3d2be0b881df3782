// Expediente numbers are gapless and unique per year, even under concurrent filings.
import test from 'ava';
import { startStack } from './helpers/stack';
import { fileMultipart, loginAs } from './helpers/http';

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
  const { fileExpediente } = await import('../api/expedientes');
  const input = (asunto: string, remitente: string) => ({
    tipoDocumento: 'CARTA', numeroDocumento: 'S/N', asunto, contenido: '', antecedente: null, destino: null, folios: 1, remitente,
    fechaPresentacion: '2026-11-23', recibidoEn: new Date(), claveHash: () => 'x', clave: 'ABCD1234', codigoVerificacion: `C${Math.random()}`, archivos: [],
  });
  const a = await fileExpediente(stack.db, input('Primera', 'Ana'));
  // remitente is NOT NULL: the insert fails after the counter moved, and the transaction rolls back.
  await t.throwsAsync(() => fileExpediente(stack.db, input('Falla', null as never)));
  const b = await fileExpediente(stack.db, input('Segunda', 'Ana'));
  t.is(Number(b.row.numero.split('-')[0]), Number(a.row.numero.split('-')[0]) + 1);
});
