import test from 'ava';
import {
  DEFAULT_SETTINGS,
  type CalendarSettings,
  addDays,
  businessDaysUntil,
  easterSunday,
  fechasDePresentacion,
  formatInstant,
  isBusinessDay,
  isValidDay,
  limaDay,
  limaInstant,
  nationalHolidays,
  nextBusinessDay,
  plazo,
} from '../domain/calendar';

const S = DEFAULT_SETTINGS;
// Lima wall time → UTC instant, written by hand (Lima = UTC−05:00), independent of limaInstant.
const utc = (iso: string) => new Date(iso);

// Calendar anchors used below (hand-checked): 2026-01-01 is a Thursday; 2026-12-04 is a Friday;
// Easter 2026 is Sunday 5 April, so Jueves/Viernes Santo are 2 and 3 April.

test('easterSunday: known Gregorian Easter dates', (t) => {
  // Published Easter Sundays.
  t.is(easterSunday(2024), '2024-03-31');
  t.is(easterSunday(2025), '2025-04-20');
  t.is(easterSunday(2026), '2026-04-05');
  t.is(easterSunday(2027), '2027-03-28');
  t.is(easterSunday(2030), '2030-04-21');
  t.is(easterSunday(2000), '2000-04-23');
  t.is(easterSunday(2019), '2019-04-21');
  t.is(easterSunday(2038), '2038-04-25'); // latest possible date (25 April)
  t.is(easterSunday(2285), '2285-03-22'); // earliest possible date (22 March)
  t.throws(() => easterSunday(2026.5), { instanceOf: RangeError });
});

test('nationalHolidays: fixed list plus Jueves and Viernes Santo, sorted', (t) => {
  // Easter 2026-04-05 → Thursday 04-02, Friday 04-03, slotted between 01-01 and 05-01.
  t.deepEqual(nationalHolidays(2026), [
    '2026-01-01', '2026-04-02', '2026-04-03', '2026-05-01', '2026-06-07', '2026-06-29', '2026-07-23',
    '2026-07-28', '2026-07-29', '2026-08-06', '2026-08-30', '2026-10-08', '2026-11-01', '2026-12-08',
    '2026-12-09', '2026-12-25',
  ]);
  // Easter minus 3 and minus 2 days for each year.
  const santos: Array<[number, string, string]> = [
    [2024, '2024-03-28', '2024-03-29'], // Easter 03-31
    [2025, '2025-04-17', '2025-04-18'], // Easter 04-20
    [2027, '2027-03-25', '2027-03-26'], // Easter 03-28
    [2030, '2030-04-18', '2030-04-19'], // Easter 04-21
  ];
  for (const [year, jueves, viernes] of santos) {
    const h = nationalHolidays(year);
    t.is(h.length, 16);
    t.true(h.includes(jueves), `${year} Jueves Santo`);
    t.true(h.includes(viernes), `${year} Viernes Santo`);
    t.deepEqual(h, [...h].sort());
  }
});

test('isValidDay: strict YYYY-MM-DD and real dates', (t) => {
  t.false(isValidDay('2026-02-29')); // 2026 is not a leap year
  t.true(isValidDay('2028-02-29')); // 2028 divisible by 4
  t.true(isValidDay('2000-02-29')); // divisible by 400
  t.false(isValidDay('2100-02-29')); // divisible by 100, not 400
  t.false(isValidDay('2026-04-31')); // April has 30 days
  t.false(isValidDay('2026-13-01'));
  t.false(isValidDay('2026-00-10'));
  t.false(isValidDay('2026-1-01')); // not zero-padded
  t.false(isValidDay(' 2026-04-30'));
  t.false(isValidDay('2026-04-30T00:00'));
  t.false(isValidDay(''));
  t.true(isValidDay('2026-12-31'));
});

test('addDays across month, year and leap day', (t) => {
  t.is(addDays('2026-12-31', 1), '2027-01-01');
  t.is(addDays('2028-02-28', 1), '2028-02-29'); // leap year
  t.is(addDays('2026-03-01', -1), '2026-02-28'); // not a leap year
  t.is(addDays('2026-12-04', 0), '2026-12-04');
  t.is(addDays('2026-01-01', 365), '2027-01-01');
  t.throws(() => addDays('2026-02-30', 1), { instanceOf: RangeError });
  t.throws(() => addDays('2026-02-01', 0.5), { instanceOf: RangeError });
});

test('limaDay: Lima calendar day of an instant', (t) => {
  // 04:59:59.999Z is 23:59:59.999 the previous day in Lima.
  t.is(limaDay(utc('2026-12-05T04:59:59.999Z')), '2026-12-04');
  // 05:00Z is Lima midnight.
  t.is(limaDay(utc('2026-12-05T05:00:00.000Z')), '2026-12-05');
  // New Year in UTC is still 31 Dec 19:00 in Lima.
  t.is(limaDay(utc('2027-01-01T00:00:00Z')), '2026-12-31');
});

test('limaInstant: Lima wall time to instant (UTC + 5h)', (t) => {
  t.is(limaInstant('2026-12-04', '10:00').toISOString(), '2026-12-04T15:00:00.000Z');
  t.is(limaInstant('2026-12-04', '00:00').toISOString(), '2026-12-04T05:00:00.000Z');
  t.is(limaInstant('2026-12-04', '08:30').toISOString(), '2026-12-04T13:30:00.000Z');
  // 23:59:59 on 31 Dec in Lima is already 2027 in UTC.
  t.is(limaInstant('2026-12-31', '23:59', 59).toISOString(), '2027-01-01T04:59:59.000Z');
  t.throws(() => limaInstant('2026-12-04', '24:00'), { instanceOf: RangeError });
  t.throws(() => limaInstant('2026-12-04', '8:30'), { instanceOf: RangeError });
  t.throws(() => limaInstant('2026-02-30', '08:30'), { instanceOf: RangeError });
  t.throws(() => limaInstant('2026-12-04', '08:30', 60), { instanceOf: RangeError });
});

test('formatInstant: ISO 8601 with -05:00 and no milliseconds', (t) => {
  // 04:59:59.999Z − 5h = 23:59:59.999 previous day; milliseconds dropped.
  t.is(formatInstant(utc('2026-12-11T04:59:59.999Z')), '2026-12-10T23:59:59-05:00');
  t.is(formatInstant(utc('2027-01-01T00:00:00Z')), '2026-12-31T19:00:00-05:00');
  t.is(formatInstant(utc('2026-12-04T15:00:00Z')), '2026-12-04T10:00:00-05:00');
  // Round trip: the string parses back to the same second.
  t.is(new Date(formatInstant(utc('2026-07-28T13:45:07Z'))).toISOString(), '2026-07-28T13:45:07.000Z');
  t.throws(() => formatInstant(new Date(Number.NaN)), { instanceOf: RangeError });
});

test('isBusinessDay and nextBusinessDay', (t) => {
  t.true(isBusinessDay('2026-12-04', S)); // Friday
  t.false(isBusinessDay('2026-12-05', S)); // Saturday
  t.false(isBusinessDay('2026-12-06', S)); // Sunday
  t.false(isBusinessDay('2026-12-08', S)); // Tuesday, Inmaculada Concepción
  t.false(isBusinessDay('2026-12-09', S)); // Wednesday, Batalla de Ayacucho
  t.false(isBusinessDay('2026-04-02', S)); // Jueves Santo 2026
  t.true(isBusinessDay('2026-04-01', S)); // Wednesday before
  t.false(isBusinessDay('2026-12-07', { ...S, nonWorkingDays: ['2026-12-07'] })); // admin-added
  t.is(nextBusinessDay('2026-12-04', S), '2026-12-07'); // Fri → Mon
  t.is(nextBusinessDay('2026-12-07', S), '2026-12-10'); // Mon → (8, 9 holidays) → Thu
  t.is(nextBusinessDay('2026-12-31', S), '2027-01-04'); // 1 Jan Fri holiday, 2–3 weekend → Mon 4
  t.is(nextBusinessDay('2026-07-27', S), '2026-07-30'); // Mon → (28 Tue, 29 Wed holidays) → Thu
});

test('plazo: DESIGN.md example (deposit Fri 2026-12-04 10:00)', (t) => {
  // Day 1 Mon 7 Dec; 8 and 9 are holidays; day 2 Thu 10 Dec → ends 23:59:59 Lima.
  const p = plazo(utc('2026-12-04T15:00:00Z'), 2, S);
  t.is(p.inicio, '2026-12-07');
  t.is(formatInstant(p.vence), '2026-12-10T23:59:59-05:00');
  t.is(p.vence.toISOString(), '2026-12-11T04:59:59.000Z');
});

test('plazo: weekend triggers and Friday night in Lima (Saturday in UTC)', (t) => {
  // Sat 5 Dec → day 1 is Mon 7 Dec; 1-day plazo ends that day.
  const sat = plazo(utc('2026-12-05T16:00:00Z'), 1, S);
  t.is(sat.inicio, '2026-12-07');
  t.is(formatInstant(sat.vence), '2026-12-07T23:59:59-05:00');
  // Sun 6 Dec → same day 1.
  t.is(plazo(utc('2026-12-06T16:00:00Z'), 1, S).inicio, '2026-12-07');
  // Fri 4 Dec 23:30 Lima = Sat 04:30Z: Lima day is Friday → day 1 still Mon 7; 3 days: 7, 10, 11.
  const night = plazo(utc('2026-12-05T04:30:00Z'), 3, S);
  t.is(night.inicio, '2026-12-07');
  t.is(formatInstant(night.vence), '2026-12-11T23:59:59-05:00');
});

test('plazo: year end (trigger Thu 2026-12-31)', (t) => {
  // 1 Jan 2027 Fri holiday, 2 Sat, 3 Sun → day 1 Mon 4 Jan; 3 days: 4, 5, 6.
  const p = plazo(utc('2026-12-31T20:00:00Z'), 3, S);
  t.is(p.inicio, '2027-01-04');
  t.is(formatInstant(p.vence), '2027-01-06T23:59:59-05:00');
  // 31 Dec 23:59:59 Lima is 2027 in UTC but still 31 Dec in Lima → same result.
  t.is(plazo(utc('2027-01-01T04:59:59Z'), 3, S).inicio, '2027-01-04');
});

test('plazo: Semana Santa 2026 (trigger Wed 2026-04-01)', (t) => {
  // Thu 2 and Fri 3 April holidays, 4–5 weekend → day 1 Mon 6; 3 days: 6, 7, 8.
  const p = plazo(utc('2026-04-01T15:00:00Z'), 3, S);
  t.is(p.inicio, '2026-04-06');
  t.is(formatInstant(p.vence), '2026-04-08T23:59:59-05:00');
});

test('plazo: Fiestas Patrias 28–29 July 2026', (t) => {
  // Trigger Mon 27 Jul: 28 Tue, 29 Wed holidays → day 1 Thu 30; day 2 Fri 31; day 3 Mon 3 Aug.
  const p2 = plazo(utc('2026-07-27T15:00:00Z'), 2, S);
  t.is(p2.inicio, '2026-07-30');
  t.is(formatInstant(p2.vence), '2026-07-31T23:59:59-05:00');
  t.is(formatInstant(plazo(utc('2026-07-27T15:00:00Z'), 3, S).vence), '2026-08-03T23:59:59-05:00');
  // Trigger Wed 22 Jul: Thu 23 Jul is a holiday → day 1 Fri 24.
  t.is(plazo(utc('2026-07-22T15:00:00Z'), 1, S).inicio, '2026-07-24');
});

test('plazo: admin-added non-working days move the plazo', (t) => {
  const trigger = utc('2026-12-04T15:00:00Z'); // Fri 4 Dec 10:00 Lima
  // Mon 7 closed → 8, 9 holidays → day 1 Thu 10, day 2 Fri 11.
  const a = plazo(trigger, 2, { ...S, nonWorkingDays: ['2026-12-07'] });
  t.is(a.inicio, '2026-12-10');
  t.is(formatInstant(a.vence), '2026-12-11T23:59:59-05:00');
  // Thu 10 closed → day 1 Mon 7, day 2 Fri 11.
  const b = plazo(trigger, 2, { ...S, nonWorkingDays: ['2026-12-10'] });
  t.is(b.inicio, '2026-12-07');
  t.is(formatInstant(b.vence), '2026-12-11T23:59:59-05:00');
  // A day outside the plazo changes nothing.
  const c = plazo(trigger, 2, { ...S, nonWorkingDays: ['2026-12-14'] });
  t.is(formatInstant(c.vence), '2026-12-10T23:59:59-05:00');
});

test('plazo: 30 días hábiles', (t) => {
  // Trigger Mon 2026-03-02 → day 1 Tue 3 Mar. Counting: 3–6 Mar (4), 9–13 (9), 16–20 (14), 23–27 (19),
  // 30–31 (21), Wed 1 Apr (22), 2–3 Apr Semana Santa, 6–10 Apr (27), 13 (28), 14 (29), Wed 15 Apr (30).
  const p = plazo(utc('2026-03-02T15:00:00Z'), 30, S);
  t.is(p.inicio, '2026-03-03');
  t.is(formatInstant(p.vence), '2026-04-15T23:59:59-05:00');
  // Trigger Fri 2026-12-04: 7 (1), 10 (2), 11 (3), 14–18 (8), 21–24 (12; 25 holiday), 28–31 (16; 1 Jan
  // holiday), 4–8 Jan (21), 11–15 (26), 18, 19, 20, Thu 21 Jan 2027 (30).
  const q = plazo(utc('2026-12-04T15:00:00Z'), 30, S);
  t.is(q.inicio, '2026-12-07');
  t.is(formatInstant(q.vence), '2027-01-21T23:59:59-05:00');
});

test('plazo: guards', (t) => {
  const trigger = utc('2026-12-04T15:00:00Z');
  t.throws(() => plazo(trigger, -1, S), { instanceOf: RangeError });
  t.throws(() => plazo(trigger, 0, S), { instanceOf: RangeError });
  t.throws(() => plazo(trigger, 3651, S), { instanceOf: RangeError });
  t.throws(() => plazo(trigger, 1.5, S), { instanceOf: RangeError });
  t.throws(() => plazo(new Date(Number.NaN), 1, S), { instanceOf: RangeError });
  t.notThrows(() => plazo(trigger, 3650, S));
});

test('fechasDePresentacion: inside business hours', (t) => {
  // Wed 2 Dec 10:15 Lima = 15:15Z: same day, received at once.
  const filed = utc('2026-12-02T15:15:00Z');
  const f = fechasDePresentacion(filed, S);
  t.is(f.presentacion, '2026-12-02');
  t.is(f.recepcion.getTime(), filed.getTime());
});

test('fechasDePresentacion: before opening on a business day', (t) => {
  // Wed 2 Dec 07:00 Lima = 12:00Z → received at 08:30 Lima (13:30Z) the same day.
  const f = fechasDePresentacion(utc('2026-12-02T12:00:00Z'), S);
  t.is(f.presentacion, '2026-12-02');
  t.is(f.recepcion.toISOString(), '2026-12-02T13:30:00.000Z');
  // Lima midnight (05:00Z) counts as that day too.
  const m = fechasDePresentacion(utc('2026-12-02T05:00:00Z'), S);
  t.is(m.presentacion, '2026-12-02');
  t.is(m.recepcion.toISOString(), '2026-12-02T13:30:00.000Z');
});

test('fechasDePresentacion: Friday 23:30 after closing (Saturday in UTC)', (t) => {
  // Fri 4 Dec 23:30 Lima = Sat 04:30Z → presented Friday (Ley 31465); received Mon 7 Dec 08:30.
  const f = fechasDePresentacion(utc('2026-12-05T04:30:00Z'), S);
  t.is(f.presentacion, '2026-12-04');
  t.is(formatInstant(f.recepcion), '2026-12-07T08:30:00-05:00');
});

test('fechasDePresentacion: UTC next day but still previous day in Lima', (t) => {
  // 2026-12-03T03:00Z is Wed 2 Dec 22:00 Lima → presented Wed 2, received Thu 3 08:30.
  const f = fechasDePresentacion(utc('2026-12-03T03:00:00Z'), S);
  t.is(f.presentacion, '2026-12-02');
  t.is(formatInstant(f.recepcion), '2026-12-03T08:30:00-05:00');
  // 2027-01-01T04:59:59Z is Thu 31 Dec 23:59:59 Lima → presented 31 Dec; received Mon 4 Jan 2027 08:30.
  const y = fechasDePresentacion(utc('2027-01-01T04:59:59Z'), S);
  t.is(y.presentacion, '2026-12-31');
  t.is(formatInstant(y.recepcion), '2027-01-04T08:30:00-05:00');
});

test('fechasDePresentacion: on a Saturday', (t) => {
  // Sat 5 Dec 11:00 Lima → next business day Mon 7 for both.
  const f = fechasDePresentacion(utc('2026-12-05T16:00:00Z'), S);
  t.is(f.presentacion, '2026-12-07');
  t.is(formatInstant(f.recepcion), '2026-12-07T08:30:00-05:00');
});

test('fechasDePresentacion: on a holiday', (t) => {
  // Tue 8 Dec 10:00 Lima (holiday; 9 also) → Thu 10 Dec.
  const f = fechasDePresentacion(utc('2026-12-08T15:00:00Z'), S);
  t.is(f.presentacion, '2026-12-10');
  t.is(formatInstant(f.recepcion), '2026-12-10T08:30:00-05:00');
  // Jueves Santo 2026-04-02 10:00 → Fri 3 holiday, weekend → Mon 6 Apr.
  const g = fechasDePresentacion(utc('2026-04-02T15:00:00Z'), S);
  t.is(g.presentacion, '2026-04-06');
  t.is(formatInstant(g.recepcion), '2026-04-06T08:30:00-05:00');
});

test('fechasDePresentacion: exactly at opens (inside) and exactly at closes (outside)', (t) => {
  // 08:30:00.000 Lima = 13:30Z is inside [opens, closes).
  const atOpen = utc('2026-12-02T13:30:00.000Z');
  t.is(fechasDePresentacion(atOpen, S).recepcion.getTime(), atOpen.getTime());
  // 16:29:59.999 Lima = 21:29:59.999Z still inside.
  const justBefore = utc('2026-12-02T21:29:59.999Z');
  t.is(fechasDePresentacion(justBefore, S).recepcion.getTime(), justBefore.getTime());
  // 16:30:00 Lima = 21:30Z is outside → presented Wed 2, received Thu 3 08:30.
  const atClose = fechasDePresentacion(utc('2026-12-02T21:30:00.000Z'), S);
  t.is(atClose.presentacion, '2026-12-02');
  t.is(formatInstant(atClose.recepcion), '2026-12-03T08:30:00-05:00');
});

test('fechasDePresentacion: custom hours and admin closures', (t) => {
  const s: CalendarSettings = { opens: '09:00', closes: '13:00', nonWorkingDays: ['2026-12-03'] };
  // Wed 2 Dec 14:00 Lima (after 13:00) → Thu 3 closed → received Fri 4 09:00.
  const f = fechasDePresentacion(utc('2026-12-02T19:00:00Z'), s);
  t.is(f.presentacion, '2026-12-02');
  t.is(formatInstant(f.recepcion), '2026-12-04T09:00:00-05:00');
  // Filed on the closed Thu 3 → presented and received Fri 4 (09:00).
  const g = fechasDePresentacion(utc('2026-12-03T15:00:00Z'), s);
  t.is(g.presentacion, '2026-12-04');
  t.is(formatInstant(g.recepcion), '2026-12-04T09:00:00-05:00');
  // Inconsistent hours are rejected.
  t.throws(() => fechasDePresentacion(utc('2026-12-02T15:00:00Z'), { ...s, opens: '13:00', closes: '09:00' }), {
    instanceOf: RangeError,
  });
});

test('businessDaysUntil: remaining, due today, and overdue', (t) => {
  const vence = plazo(utc('2026-12-04T15:00:00Z'), 2, S).vence; // Thu 2026-12-10 23:59:59 Lima
  // From Wed 2 Dec: business days in (2, 10] = 3, 4, 7, 10 → 4.
  t.is(businessDaysUntil(utc('2026-12-02T15:00:00Z'), vence, S), 4);
  // From Fri 4 Dec: 7, 10 → 2.
  t.is(businessDaysUntil(utc('2026-12-04T15:00:00Z'), vence, S), 2);
  // From Mon 7: (8, 9 holidays) 10 → 1; same from the holiday Tue 8.
  t.is(businessDaysUntil(utc('2026-12-07T15:00:00Z'), vence, S), 1);
  t.is(businessDaysUntil(utc('2026-12-08T15:00:00Z'), vence, S), 1);
  // Vence's own day → 0, morning or last second.
  t.is(businessDaysUntil(utc('2026-12-10T14:00:00Z'), vence, S), 0);
  t.is(businessDaysUntil(vence, vence, S), 0);
  // Thu 10 23:00 Lima = Fri 11 04:00Z: still Thursday in Lima → 0.
  t.is(businessDaysUntil(utc('2026-12-11T04:00:00Z'), vence, S), 0);
  // Overdue: Fri 11 → (10, 11] = 11 → −1; Sat 12 → still 1 business day → −1; Mon 14 → 11, 14 → −2.
  t.is(businessDaysUntil(utc('2026-12-11T15:00:00Z'), vence, S), -1);
  t.is(businessDaysUntil(utc('2026-12-12T15:00:00Z'), vence, S), -1);
  t.is(businessDaysUntil(utc('2026-12-14T15:00:00Z'), vence, S), -2);
});

test('businessDaysUntil: a non-business day right after vence still reads −1', (t) => {
  // Vence Fri 4 Dec; from Sat 5 → no business day in (4, 5] but the plazo is over → −1.
  const vence = limaInstant('2026-12-04', '23:59', 59);
  t.is(businessDaysUntil(utc('2026-12-05T15:00:00Z'), vence, S), -1);
  // Sun 6 → −1; Mon 7 → −1 (only 7 counted); Thu 10 → 7, 10 → −2.
  t.is(businessDaysUntil(utc('2026-12-06T15:00:00Z'), vence, S), -1);
  t.is(businessDaysUntil(utc('2026-12-07T15:00:00Z'), vence, S), -1);
  t.is(businessDaysUntil(utc('2026-12-10T15:00:00Z'), vence, S), -2);
});

test('DEFAULT_SETTINGS', (t) => {
  t.deepEqual({ ...DEFAULT_SETTINGS, nonWorkingDays: [...DEFAULT_SETTINGS.nonWorkingDays] }, {
    opens: '08:30',
    closes: '16:30',
    nonWorkingDays: [],
  });
});
