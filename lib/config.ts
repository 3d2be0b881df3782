// The one place where ports, URLs, limits, plazos and hours are read from the environment.
// Entry points load it once and hand it down; tests call `loadConfig` with their own env.

import proxyaddr from 'proxy-addr';

export class ConfigError extends Error {}

const ROLES = ['ciudadano', 'mesa_partes', 'unidad', 'supervisor', 'admin'] as const;
// RFC 4648 base32, at least 128 bits (26 characters) as RFC 4226 recommends.
const BASE32_SECRET = /^[A-Z2-7]{26,}=*$/;

type Env = Record<string, string | undefined>;

function reader(env: Env) {
  const raw = (key: string) => {
    const v = env[key];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const fail = (key: string, why: string): never => {
    throw new ConfigError(`Configuración inválida: ${key}=${JSON.stringify(env[key])} — ${why}`);
  };
  return {
    str: (key: string, def: string) => raw(key) ?? def,
    optional: (key: string) => raw(key),
    int(key: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
      const v = raw(key);
      if (v === undefined) return def;
      if (!/^-?\d+$/.test(v)) return fail(key, 'debe ser un número entero');
      const n = Number(v);
      if (n < min || n > max) return fail(key, `debe estar entre ${min} y ${max}`);
      return n;
    },
    bool(key: string, def: boolean) {
      const v = raw(key);
      if (v === undefined) return def;
      if (/^(1|true|yes|si|sí|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      return fail(key, 'debe ser 1/0 o true/false');
    },
    url(key: string, def: string | undefined, protocols: string[]) {
      const v = raw(key) ?? def;
      if (v === undefined) return undefined;
      try {
        const u = new URL(v);
        if (!protocols.includes(u.protocol)) fail(key, `el protocolo debe ser ${protocols.join(' o ')}`);
        return v;
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        return fail(key, 'no es una URL válida');
      }
    },
    hostPort(key: string, def: string) {
      const v = raw(key) ?? def;
      if (!/^[\w.-]+:\d{1,5}$/.test(v)) return fail(key, 'debe tener la forma host:puerto');
      return v;
    },
    list(key: string, def: string[] = []) {
      const v = raw(key);
      if (v === undefined) return def;
      return v.split(',').map((x) => x.trim()).filter(Boolean);
    },
    time(key: string, def: string) {
      const v = raw(key) ?? def;
      const m = /^(\d{2}):(\d{2})$/.exec(v);
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return fail(key, 'debe ser una hora HH:MM');
      return v;
    },
  };
}

export function loadConfig(env: Env = process.env) {
  const r = reader(env);
  const port = r.int('PORT', 3000, 1, 65535);
  const dataDir = r.str('DATA_DIR', '.data');
  const mb = 1024 * 1024;
  const nodeEnv = r.str('NODE_ENV', 'development');
  const secret = r.optional('APP_SECRET');
  if (nodeEnv === 'production' && !secret) {
    throw new ConfigError('Configuración inválida: APP_SECRET es obligatorio en producción (openssl rand -hex 32)');
  }
  if (secret && secret.length < 32) throw new ConfigError('Configuración inválida: APP_SECRET debe tener al menos 32 caracteres');
  const config = {
    env: nodeEnv,
    // Keys the HMAC of verification codes; development gets a fixed one so it starts without setup.
    secret: secret ?? 'desarrollo-no-usar-en-produccion-0123456789abcdef',
    institution: {
      name: r.str('INSTITUTION_NAME', 'Entidad Demo del Estado Peruano'),
      shortName: r.str('INSTITUTION_SHORT_NAME', 'EDEP'),
      ruc: r.str('INSTITUTION_RUC', '20100000001'),
    },
    http: {
      host: r.str('HOST', '127.0.0.1'),
      port,
      // One line per request (method, route, status, time); off by default under `npm test`.
      logRequests: r.bool('REGISTRO_PETICIONES', nodeEnv !== 'test'),
      publicUrl: r.url('PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:'])!.replace(/\/$/, ''),
    },
    // Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDRs,
    // comma-separated). Empty: the TCP peer is the client, whatever headers it sends.
    trustedProxies: trustedProxies(r.list('PROXIES_CONFIABLES'), env.PROXIES_CONFIABLES),
    security: {
      // Roles that must log in with a second factor (TOTP); such an account enrols before anything else.
      twoFactorRoles: r.list('DOBLE_FACTOR_ROLES', ['admin']).map((rol) => {
        if (!(ROLES as readonly string[]).includes(rol)) {
          throw new ConfigError(`Configuración inválida: DOBLE_FACTOR_ROLES=${JSON.stringify(env.DOBLE_FACTOR_ROLES)} — rol desconocido «${rol}» (${ROLES.join(', ')})`);
        }
        return rol as (typeof ROLES)[number];
      }),
      // The demo admin's TOTP secret (base32), printed at start so a person can add it to an app.
      demoTotpSecret: (() => {
        const v = r.str('DEMO_TOTP_SECRET', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP').toUpperCase();
        if (!BASE32_SECRET.test(v)) throw new ConfigError('Configuración inválida: DEMO_TOTP_SECRET debe ser base32 (A-Z, 2-7) de al menos 26 caracteres');
        return v;
      })(),
    },
    // ClamAV's daemon: every upload is streamed to it and refused unless clean; unset, no scanning.
    clamav: {
      url: r.url('CLAMAV_URL', undefined, ['tcp:', 'unix:']),
      timeoutMs: r.int('CLAMAV_TIMEOUT_MS', 60_000, 100, 600_000),
    },
    dataDir,
    storageDir: r.str('STORAGE_DIR', `${dataDir}/files`),
    databaseUrl: r.url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
    embeddedPostgresPort: r.int('EMBEDDED_PG_PORT', 5433, 1, 65535),
    temporal: {
      address: r.hostPort('TEMPORAL_ADDRESS', '127.0.0.1:7233'),
      namespace: r.str('TEMPORAL_NAMESPACE', 'default'),
      taskQueue: r.str('TEMPORAL_TASK_QUEUE', 'expedientes'),
      uiUrl: r.url('TEMPORAL_UI_URL', 'http://localhost:8233', ['http:', 'https:'])!.replace(/\/$/, ''),
      uiPort: r.int('TEMPORAL_UI_PORT', 8233, 1, 65535),
    },
    mail: {
      smtpUrl: r.url('SMTP_URL', undefined, ['smtp:', 'smtps:']),
      from: r.str('MAIL_FROM', 'Mesa de Partes Virtual <no-responder@demo.gob.pe>'),
      catcherSmtpPort: r.int('MAILCATCHER_SMTP_PORT', 1025, 1, 65535),
      catcherWebPort: r.int('MAILCATCHER_WEB_PORT', 1080, 1, 65535),
    },
    // The browser that prints PDFs: the old headless shell when there is one (about four times
    // faster per page), else the full Chromium the page tests drive.
    chromiumPath: r.optional('PDF_CHROMIUM_PATH') || r.optional('PUPPETEER_EXECUTABLE_PATH'),
    // The institution's signing certificate (PKCS#12) and its password; unset, a demo certificate
    // is generated under DATA_DIR/firma-demo on first start (lib/signing.ts).
    signing: {
      certificatePath: r.optional('FIRMA_CERTIFICADO'),
      certificatePassword: env.FIRMA_CLAVE ?? '',
    },
    // Renders at a time in one Chromium; more queue. About one per core.
    pdfConcurrency: r.int('PDF_CONCURRENCIA', 2, 1, 32),
    // Scheduling priority (nice) of the worker process and the Chromium it starts: where web and
    // worker share CPUs, a person filing is answered first and cargos are printed right after.
    workerNice: r.int('WORKER_PRIORIDAD', 10, 0, 19),
    identity: {
      url: r.url('IDENTIDAD_API_URL', undefined, ['http:', 'https:']),
      token: r.optional('IDENTIDAD_API_TOKEN'),
      timeoutMs: r.int('IDENTIDAD_API_TIMEOUT_MS', 5000, 100, 60_000),
    },
    accounts: {
      sessionIdleMinutes: r.int('SESION_INACTIVIDAD_MIN', 30, 1, 24 * 60),
      sessionMaxHours: r.int('SESION_MAXIMA_HORAS', 12, 1, 24 * 30),
      codeHours: r.int('CODIGO_VIGENCIA_HORAS', 24, 1, 24 * 7),
      codeAttempts: r.int('CODIGO_INTENTOS', 5, 1, 20),
      resendSeconds: r.int('REENVIO_ESPERA_SEGUNDOS', 60, 1, 3600),
      resetLinkDays: r.int('ENLACE_CLAVE_DIAS', 2, 1, 30),
      loginFailuresPerAccount: r.int('LOGIN_FALLOS_CUENTA', 5, 1, 100),
      loginFailuresPerIp: r.int('LOGIN_FALLOS_IP', 20, 1, 10_000),
      loginWindowMinutes: r.int('LOGIN_VENTANA_MIN', 15, 1, 24 * 60),
      legalVersion: r.str('VERSION_DOCUMENTOS_LEGALES', '2026-11'),
    },
    mailRetryMaxSeconds: r.int('CORREO_REINTENTO_MAX_SEGUNDOS', 300, 1, 86_400),
    demo: {
      enabled: r.bool('DEMO', true),
      password: r.str('DEMO_PASSWORD', 'MesaDemo2026'),
    },
    calendar: {
      timeZone: 'America/Lima',
      // Peru has no daylight saving time: the offset is fixed.
      utcOffset: '-05:00',
      opens: r.time('HORARIO_INICIO', '08:30'),
      closes: r.time('HORARIO_FIN', '16:30'),
    },
    // A filing is durable once committed; its workflow may start a moment later. With more than
    // this many filings in flight in one web process, starts wait until the burst is over (that
    // many or fewer for `quietMs`), never longer than the maximum: people filing are answered
    // first (services/starter.ts).
    starts: {
      deferAbove: r.int('INICIO_DIFERIDO_DESDE', 4, 0, 100_000),
      quietMs: r.int('INICIO_DIFERIDO_CALMA_MS', 1000, 0, 60_000),
      maxDelayMs: r.int('INICIO_DIFERIDO_MAX_SEGUNDOS', 30, 1, 3600) * 1000,
      // How long a request waits for Temporal to take a start (a case, a mail) before leaving it
      // to the sweeper: with Temporal down a person filing is answered, not kept waiting.
      waitMs: r.int('INICIO_ESPERA_MAX_MS', 5000, 100, 60_000),
    },
    plazos: {
      validacion: r.int('PLAZO_VALIDACION_DIAS', 1, 1, 365),
      subsanacion: r.int('PLAZO_SUBSANACION_DIAS', 2, 1, 365),
      atencion: r.int('PLAZO_ATENCION_DIAS', 30, 1, 365),
    },
    // The supervisor's dashboard lists active cases with no action for this many días hábiles, and
    // those whose plazo ends within `porVencerDias` días hábiles (0: today).
    supervision: {
      diasSinAccion: r.int('SUPERVISION_DIAS_SIN_ACCION', 5, 1, 365),
      porVencerDias: r.int('SUPERVISION_POR_VENCER_DIAS', 2, 0, 60),
    },
    limits: {
      principalBytes: r.int('LIMITE_PRINCIPAL_MB', 20, 1, 2048) * mb,
      firstAnexoBytes: r.int('LIMITE_PRIMER_ANEXO_MB', 30, 1, 2048) * mb,
      otherAnexoBytes: r.int('LIMITE_ANEXO_MB', 5, 1, 2048) * mb,
      maxAnexos: r.int('LIMITE_ANEXOS', 5, 0, 50),
      jsonBytes: r.int('LIMITE_JSON_KB', 256, 1, 10240) * 1024,
    },
    // How long a process keeps the admin's settings (hours, limits) before reading them again.
    settingsCacheMs: r.int('AJUSTES_CACHE_SEGUNDOS', 5, 0, 300) * 1000,
  };
  if (config.calendar.opens >= config.calendar.closes) {
    throw new ConfigError('Configuración inválida: HORARIO_INICIO debe ser anterior a HORARIO_FIN');
  }
  return config;
}

function trustedProxies(list: string[], raw: string | undefined) {
  try {
    proxyaddr.compile(list);
  } catch (e) {
    throw new ConfigError(`Configuración inválida: PROXIES_CONFIABLES=${JSON.stringify(raw)} — ${(e as Error).message}; use direcciones IP o CIDR separadas por comas`);
  }
  return list;
}

export type Config = ReturnType<typeof loadConfig>;

/** For entry points: a bad value stops start-up with a message naming the variable. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
}
