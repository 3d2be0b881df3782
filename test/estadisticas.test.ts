// The supervisor's statistics as pure rules (domain/estadisticas.ts) against hand-computed cases;
// the business-day counter against domain/calendar's businessDaysUntil; the por vencer setting.
import test from 'ava';
import { contadorDiasHabiles, lunesDe, mediana, percentil, proporcion, resumenAtencion, semanasHasta } from '../domain/estadisticas';
import { addDays, businessDaysUntil, limaInstant, DEFAULT_SETTINGS } from '../domain/calendar';
import { loadConfig } from '../lib/config';

test('median: the middle value, or the mean of the two middle ones; null without values', (t) => {
  t.is(mediana([]), null);
  t.is(mediana([7]), 7);
  t.is(mediana([10, 1, 3, 2, 4]), 3);
  t.is(mediana([4, 1, 3, 2]), 2.5);
  t.is(mediana([5, 5, 5, 100]), 5);
});

test('90th percentile by nearest rank: a value that occurred', (t) => {
  t.is(percentil([], 90), null);
  t.is(percentil([3], 90), 3);
  t.is(percentil([1, 2, 3, 4, 10], 90), 10); // rank ⌈4.5⌉ = 5
  t.is(percentil([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9); // rank 9
  t.is(percentil([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 11], 90), 10); // rank ⌈9.9⌉ = 10
  t.is(percentil([1, 2, 3, 4, 5], 50), 3);
  t.throws(() => percentil([1], 0), { instanceOf: RangeError });
  t.throws(() => percentil([1], 101), { instanceOf: RangeError });
});

test('share within plazo: only attentions with a plazo on record count', (t) => {
  t.is(proporcion(0, 0), null);
  t.is(proporcion(3, 4), 0.75);
  t.deepEqual(
    resumenAtencion([
      { dias: 1, aTiempo: true },
      { dias: 2, aTiempo: true },
      { dias: 3, aTiempo: true },
      { dias: 4, aTiempo: false },
      { dias: 10, aTiempo: null },
    ]),
    { atendidos: 5, mediana: 3, p90: 10, conPlazo: 4, dentroDelPlazo: 0.75 },
  );
  t.deepEqual(resumenAtencion([]), { atendidos: 0, mediana: null, p90: null, conPlazo: 0, dentroDelPlazo: null });
});

test('weeks run Monday to Sunday; the last n end with the week of the day', (t) => {
  t.is(lunesDe('2026-11-30'), '2026-11-30'); // a Monday
  t.is(lunesDe('2026-12-06'), '2026-11-30'); // its Sunday
  t.is(lunesDe('2027-01-01'), '2026-12-28'); // across the year
  const w = semanasHasta('2026-12-03', 12);
  t.is(w.length, 12);
  t.is(w[11], '2026-11-30');
  t.is(w[0], '2026-09-14');
  for (let i = 1; i < w.length; i++) t.is(w[i], addDays(w[i - 1], 7));
});

test('the business-day counter agrees with businessDaysUntil over two years, holidays and admin days included', (t) => {
  const s = { ...DEFAULT_SETTINGS, nonWorkingDays: ['2027-03-24', '2027-07-27'] };
  const contar = contadorDiasHabiles(s, '2026-12-01', '2028-12-31');
  const days = Array.from({ length: 60 }, (_, i) => addDays('2026-12-01', i * 12 + (i % 5)));
  for (const a of days) {
    for (const b of days.filter((_, j) => j % 7 === 0)) {
      t.is(contar(a, b), businessDaysUntil(limaInstant(a, '10:00'), limaInstant(b, '15:00'), s), `${a} → ${b}`);
    }
  }
  // Holy Week 2027: Thursday 25 and Friday 26 March are holidays; the admin closed Wednesday 24.
  t.is(contar('2027-03-23', '2027-03-29'), 1);
  t.throws(() => contar('2026-11-30', '2026-12-02'), { instanceOf: RangeError });
});

test('SUPERVISION_POR_VENCER_DIAS: 2 by default, 0 to 60', (t) => {
  t.is(loadConfig({}).supervision.porVencerDias, 2);
  t.is(loadConfig({ SUPERVISION_POR_VENCER_DIAS: '5' }).supervision.porVencerDias, 5);
  t.is(loadConfig({ SUPERVISION_POR_VENCER_DIAS: '0' }).supervision.porVencerDias, 0);
  t.throws(() => loadConfig({ SUPERVISION_POR_VENCER_DIAS: '61' }));
});
