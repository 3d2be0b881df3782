import test from 'ava';
import {
  TIPOS_DOCUMENTO,
  isTipoDocumento,
  normalizeEmail,
  rucCheckDigit,
  validateDocumento,
  validateEmail,
  validatePassword,
  validateRuc,
} from '../domain/identity';

// ---------------------------------------------------------------------------------------------
// Identity documents
// ---------------------------------------------------------------------------------------------

test('TIPOS_DOCUMENTO lists DNI, CE and PTP and cannot be changed', (t) => {
  t.deepEqual([...TIPOS_DOCUMENTO], ['DNI', 'CE', 'PTP']);
  t.true(Object.isFrozen(TIPOS_DOCUMENTO));
  t.true(isTipoDocumento('CE'));
  t.false(isTipoDocumento('RUC'));
  t.false(isTipoDocumento(undefined));
});

test('DNI: 8 digits', (t) => {
  t.is(validateDocumento('DNI', '12345678'), null);
  t.is(validateDocumento('DNI', '00000001'), null);
  const msg = 'El DNI debe tener 8 dígitos.';
  t.is(validateDocumento('DNI', '1234567'), msg);
  t.is(validateDocumento('DNI', '123456789'), msg);
  t.is(validateDocumento('DNI', '1234567A'), msg);
  t.is(validateDocumento('DNI', ' 12345678'), msg);
  t.is(validateDocumento('DNI', ''), msg);
  t.is(validateDocumento('DNI', '１２３４５６７８'), msg, 'full-width digits are not digits here');
});

test('CE: 9 digits', (t) => {
  t.is(validateDocumento('CE', '001234567'), null);
  const msg = 'El CE debe tener 9 dígitos.';
  t.is(validateDocumento('CE', '12345678'), msg);
  t.is(validateDocumento('CE', '1234567890'), msg);
  t.is(validateDocumento('CE', 'A12345678'), msg);
});

test('PTP: 9 digits', (t) => {
  t.is(validateDocumento('PTP', '123456789'), null);
  const msg = 'El PTP debe tener 9 dígitos.';
  t.is(validateDocumento('PTP', '12345678'), msg);
  t.is(validateDocumento('PTP', '1234567890'), msg);
  t.is(validateDocumento('PTP', '12345-789'), msg);
});

test('unknown document type', (t) => {
  const msg = 'El tipo de documento no es válido. Use DNI, CE o PTP.';
  t.is(validateDocumento('RUC', '20131312955'), msg);
  t.is(validateDocumento('dni', '12345678'), msg);
  t.is(validateDocumento('', '12345678'), msg);
  t.is(validateDocumento('PASAPORTE', '123456789'), msg);
});

// ---------------------------------------------------------------------------------------------
// RUC
// ---------------------------------------------------------------------------------------------

// Check digits worked by hand (weights 5,4,3,2,7,6,5,4,3,2; 11 − sum mod 11; 10 → 0, 11 → 1):
//   2013131295: 10+0+3+6+7+18+5+8+27+10 = 94,  94 mod 11 = 6, 11−6 = 5      → 20131312955
//   2010004721: 10+0+3+0+0+0+20+28+6+2  = 69,  69 mod 11 = 3, 11−3 = 8      → 20100047218
//   2010007097: 10+0+3+0+0+0+35+0+27+14 = 89,  89 mod 11 = 1, 11−1 = 10 → 0 → 20100070970
//   1012345678: 5+0+3+4+21+24+25+24+21+16 = 143, 143 mod 11 = 0, 11 → 1   → 10123456781
//   1510000000: 5+20+3 = 28,             28 mod 11 = 6, 11−6 = 5           → 15100000005
//   1710000000: 5+28+3 = 36,             36 mod 11 = 3, 11−3 = 8           → 17100000008
//   1000000000: 5,                        5 mod 11 = 5, 11−5 = 6           → 10000000006
const VALID_RUCS = [
  '20131312955',
  '20100047218',
  '20100070970',
  '10123456781',
  '15100000005',
  '17100000008',
  '10000000006',
] as const;

test('rucCheckDigit matches the hand-computed digits', (t) => {
  t.is(rucCheckDigit('2013131295'), 5);
  t.is(rucCheckDigit('2010004721'), 8);
  t.is(rucCheckDigit('1510000000'), 5);
  t.is(rucCheckDigit('1710000000'), 8);
  t.is(rucCheckDigit('1000000000'), 6);
});

test('rucCheckDigit maps 10 to 0 and 11 to 1', (t) => {
  t.is(rucCheckDigit('2010007097'), 0); // 11 − 1 = 10 → 0
  t.is(rucCheckDigit('1012345678'), 1); // 11 − 0 = 11 → 1
  t.is(rucCheckDigit('0000000000'), 1); // sum 0 → 11 → 1
});

test('rucCheckDigit always yields a single digit', (t) => {
  for (let n = 0; n < 2000; n++) {
    const first10 = String(1000000000 + n * 4999999).padStart(10, '0').slice(-10);
    const d = rucCheckDigit(first10);
    t.true(Number.isInteger(d) && d >= 0 && d <= 9, first10);
  }
});

test('rucCheckDigit rejects input that is not 10 digits', (t) => {
  t.throws(() => rucCheckDigit('201313129'), { instanceOf: RangeError });
  t.throws(() => rucCheckDigit('20131312955'), { instanceOf: RangeError });
  t.throws(() => rucCheckDigit('20131312A5'), { instanceOf: RangeError });
});

test('valid RUCs with prefixes 10, 15, 17 and 20', (t) => {
  for (const ruc of VALID_RUCS) {
    t.is(validateRuc(ruc), null, ruc);
  }
});

test('RUC with a wrong check digit', (t) => {
  const msg = 'El RUC no es válido: el dígito verificador no corresponde.';
  t.is(validateRuc('20131312956'), msg);
  t.is(validateRuc('20131312950'), msg);
  t.is(validateRuc('10123456780'), msg);
  t.is(validateRuc('20100070971'), msg);
  // every other last digit of every valid RUC is rejected
  for (const ruc of VALID_RUCS) {
    for (let d = 0; d <= 9; d++) {
      const other = ruc.slice(0, 10) + String(d);
      if (other !== ruc) t.is(validateRuc(other), msg, other);
    }
  }
});

test('RUC with a prefix other than 10, 15, 17 or 20', (t) => {
  const msg = 'El RUC debe empezar con 10, 15, 17 o 20.';
  // 3013131295: 15+0+3+6+7+18+5+8+27+10 = 99, 99 mod 11 = 0 → 1; check digit right, prefix wrong
  t.is(validateRuc('30131312951'), msg);
  t.is(validateRuc('30131312955'), msg);
  t.is(validateRuc('11000000000'), msg);
  t.is(validateRuc('00000000001'), msg);
});

test('RUC with the wrong number of digits', (t) => {
  const msg = 'El RUC debe tener 11 dígitos.';
  t.is(validateRuc('2013131295'), msg);
  t.is(validateRuc('201313129555'), msg);
  t.is(validateRuc('2'), msg);
});

test('RUC with letters or other characters', (t) => {
  const msg = 'El RUC solo debe contener dígitos.';
  t.is(validateRuc('2013131295A'), msg);
  t.is(validateRuc('RUC20131312955'), msg);
  t.is(validateRuc('20131312955 '), msg);
  t.is(validateRuc('20-131312955'), msg);
});

test('empty RUC', (t) => {
  t.is(validateRuc(''), 'Ingrese el número de RUC.');
});

test('each RUC failure has its own message', (t) => {
  const messages = new Set(
    ['', '2013131295A', '2013131295', '30131312951', '20131312956'].map((r) => validateRuc(r)),
  );
  t.is(messages.size, 5);
  t.false(messages.has(null));
});

// ---------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------

test('valid passwords', (t) => {
  t.is(validatePassword('Abcdefg1'), null);
  t.is(validatePassword('ÑANDÚ2026ñ'), null, 'accented and ñ letters count');
  t.is(validatePassword('Mesa de Partes 2026!'), null);
  t.is(validatePassword('A1' + 'a'.repeat(126)), null, 'exactly 128 characters');
});

test('password too long', (t) => {
  t.is(
    validatePassword('A1' + 'a'.repeat(127)),
    'La contraseña no puede tener más de 128 caracteres.',
  );
});

test('empty password', (t) => {
  t.is(validatePassword(''), 'Ingrese una contraseña.');
});

test('password messages list exactly what is missing', (t) => {
  t.is(validatePassword('Abcde1'), 'La contraseña debe tener al menos 8 caracteres.');
  t.is(validatePassword('abcdefg1'), 'La contraseña debe tener una letra mayúscula.');
  t.is(validatePassword('ABCDEFG1'), 'La contraseña debe tener una letra minúscula.');
  t.is(validatePassword('Abcdefgh'), 'La contraseña debe tener un número.');
  t.is(
    validatePassword('abcdefgh'),
    'La contraseña debe tener una letra mayúscula y un número.',
  );
  t.is(
    validatePassword('12345678'),
    'La contraseña debe tener una letra mayúscula y una letra minúscula.',
  );
  t.is(
    validatePassword('abc'),
    'La contraseña debe tener al menos 8 caracteres, una letra mayúscula y un número.',
  );
  t.is(
    validatePassword('!!!'),
    'La contraseña debe tener al menos 8 caracteres, una letra mayúscula, una letra minúscula y un número.',
  );
  t.is(
    validatePassword('        '),
    'La contraseña debe tener una letra mayúscula, una letra minúscula y un número.',
  );
});

test('password length counts characters, not UTF-16 units', (t) => {
  // 7 characters, one of them an emoji (2 UTF-16 units): still too short
  t.is(validatePassword('Ab1cde😀'), 'La contraseña debe tener al menos 8 caracteres.');
  // 128 characters made of emoji plus the required classes: allowed
  t.is(validatePassword('Ab1' + '😀'.repeat(125)), null);
});

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

test('normalizeEmail trims and lower-cases', (t) => {
  t.is(normalizeEmail('  Juan.Perez@Municipalidad.GOB.PE \n'), 'juan.perez@municipalidad.gob.pe');
  t.is(normalizeEmail('ana@correo.pe'), 'ana@correo.pe');
});

test('valid e-mail addresses', (t) => {
  for (const email of [
    'juan.perez@municipalidad.gob.pe',
    'ANA+tramites@Gmail.com',
    'o\'brien_99@correo-ejemplo.pe',
    'mesa.de.partes@sub.dominio.gob.pe',
    'josé@ejemplo.pe',
    'a@b.co',
    '  ana@correo.pe  ',
  ]) {
    t.is(validateEmail(email), null, email);
  }
});

test('empty e-mail', (t) => {
  t.is(validateEmail(''), 'Ingrese su correo electrónico.');
  t.is(validateEmail('   '), 'Ingrese su correo electrónico.');
});

test('e-mail longer than 254 characters', (t) => {
  const domain = (last: number) => `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(last)}.pe`;
  const ok = `${'x'.repeat(64)}@${domain(58)}`; // 64 + 1 + (63+1+63+1+58+1+2) = 254
  t.is(ok.length, 254);
  t.is(validateEmail(ok), null);
  const long = `${'x'.repeat(64)}@${domain(59)}`;
  t.is(long.length, 255);
  t.is(
    validateEmail(long),
    'El correo electrónico no puede tener más de 254 caracteres.',
  );
});

test('malformed e-mail addresses', (t) => {
  const msg = 'El correo electrónico no es válido.';
  for (const email of [
    'sin-arroba.pe',
    '@correo.pe',
    'ana@',
    'ana@@correo.pe',
    'ana@correo@correo.pe',
    'ana perez@correo.pe',
    'ana@correo',
    'ana@correo.',
    'ana@.correo.pe',
    'ana@correo..pe',
    '.ana@correo.pe',
    'ana.@correo.pe',
    'an..a@correo.pe',
    'ana@-correo.pe',
    'ana@correo-.pe',
    'ana@correo.p',
    'ana@correo.123',
    'ana@correo_x.pe',
    '"ana"@correo.pe',
    'ana<x>@correo.pe',
    'ana@correo.pe\r\nBcc: otro@x.pe',
    `${'x'.repeat(65)}@correo.pe`,
    `ana@${'a'.repeat(64)}.pe`,
  ]) {
    t.is(validateEmail(email), msg, JSON.stringify(email));
  }
});

test('a valid address stays valid once normalized', (t) => {
  const raw = '  Juan.Perez@Municipalidad.GOB.PE ';
  t.is(validateEmail(raw), null);
  t.is(validateEmail(normalizeEmail(raw)), null);
});
