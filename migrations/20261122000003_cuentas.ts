import type { Knex } from 'knex';

export async function up(knex: Knex) {
  await knex.schema.createTable('cuentas', (t) => {
    t.bigIncrements('id');
    t.text('rol').notNullable(); // ciudadano | mesa_partes | unidad | supervisor | admin
    t.text('tipo_persona').notNullable(); // NATURAL | JURIDICA (staff: NATURAL)
    t.text('tipo_documento'); // DNI | CE | PTP | RUC
    t.text('numero_documento');
    t.unique(['tipo_documento', 'numero_documento']);
    t.text('email').notNullable().unique(); // normalised: trimmed, lower-case
    t.timestamp('email_verificado_en', { useTz: true });
    t.text('password_hash');
    t.text('nombres');
    t.text('apellido_paterno');
    t.text('apellido_materno');
    t.date('fecha_nacimiento');
    t.text('telefono');
    t.text('direccion');
    t.text('razon_social');
    t.text('domicilio_fiscal');
    t.jsonb('representante'); // persona jurídica: who uses the account
    t.text('unidad_codigo').references('unidades.codigo');
    t.boolean('activo').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.index(['numero_documento']);
    t.index(['rol']);
  });

  // Ley 31736: the casilla needs consent; each acceptance is kept with its version and instant.
  await knex.schema.createTable('consentimientos', (t) => {
    t.bigIncrements('id');
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id').onDelete('CASCADE');
    t.text('tipo').notNullable(); // TERMINOS | PRIVACIDAD | CASILLA
    t.text('version').notNullable();
    t.timestamp('aceptado_en', { useTz: true }).notNullable();
    t.text('ip');
  });

  await knex.schema.createTable('codigos_verificacion', (t) => {
    t.bigIncrements('id');
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id').onDelete('CASCADE');
    t.text('codigo_hash').notNullable();
    t.integer('intentos').notNullable().defaultTo(0);
    t.timestamp('creado_en', { useTz: true }).notNullable();
    t.timestamp('expira_en', { useTz: true }).notNullable();
    t.timestamp('usado_en', { useTz: true });
    t.index(['cuenta_id', 'creado_en']);
  });

  // Password-reset and set-password links: only a hash of the token is kept.
  await knex.schema.createTable('enlaces_clave', (t) => {
    t.bigIncrements('id');
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('creado_en', { useTz: true }).notNullable();
    t.timestamp('expira_en', { useTz: true }).notNullable();
    t.timestamp('usado_en', { useTz: true });
  });

  // Server-side sessions: the cookie holds a random token, the table only its hash.
  await knex.schema.createTable('sesiones', (t) => {
    t.text('id_hash').primary();
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id').onDelete('CASCADE');
    t.text('csrf_token').notNullable();
    t.timestamp('creada_en', { useTz: true }).notNullable();
    t.timestamp('ultima_actividad', { useTz: true }).notNullable();
    t.timestamp('expira_en', { useTz: true }).notNullable();
    t.text('ip');
    t.text('user_agent');
    t.index(['cuenta_id']);
  });

  // Fixed-window counters shared by every web process (login, codes, public look-ups).
  await knex.schema.createTable('limites', (t) => {
    t.text('clave').primary();
    t.timestamp('ventana_inicio', { useTz: true }).notNullable();
    t.integer('conteo').notNullable();
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.bigIncrements('id');
    t.text('nombre').notNullable();
    t.text('token_hash').notNullable().unique();
    t.text('prefijo').notNullable(); // first characters, to recognise a token in lists
    t.bigInteger('creado_por').references('cuentas.id');
    t.timestamp('creado_en', { useTz: true }).notNullable();
    t.timestamp('revocado_en', { useTz: true });
    t.timestamp('ultimo_uso', { useTz: true });
  });

  // Outbox: a mail is written here in the same transaction as the event that causes it, then
  // delivered by a Temporal workflow with retries; enviado_en makes delivery idempotent.
  await knex.schema.createTable('correos', (t) => {
    t.bigIncrements('id');
    t.text('evento').notNullable().unique(); // one mail per event, never two
    t.text('destinatario').notNullable();
    t.text('asunto').notNullable();
    t.text('texto').notNullable();
    t.text('html');
    t.jsonb('adjuntos').notNullable().defaultTo('[]');
    t.timestamp('creado_en', { useTz: true }).notNullable();
    t.timestamp('workflow_iniciado_en', { useTz: true });
    t.timestamp('enviado_en', { useTz: true });
    t.integer('intentos').notNullable().defaultTo(0);
    t.text('ultimo_error');
  });
  await knex.raw('create index correos_sin_workflow on correos (creado_en) where workflow_iniciado_en is null');

  // Staff and citizens now act on expedientes: the filer is an account.
  await knex.schema.alterTable('expedientes', (t) => {
    t.bigInteger('cuenta_id').references('cuentas.id');
    t.bigInteger('api_token_id').references('api_tokens.id');
    t.index(['cuenta_id', 'id']);
  });
}

export async function down(knex: Knex) {
  await knex.schema.alterTable('expedientes', (t) => {
    t.dropColumn('cuenta_id');
    t.dropColumn('api_token_id');
  });
  for (const table of ['correos', 'api_tokens', 'limites', 'sesiones', 'enlaces_clave', 'codigos_verificacion', 'consentimientos', 'cuentas']) {
    await knex.schema.dropTable(table);
  }
}
