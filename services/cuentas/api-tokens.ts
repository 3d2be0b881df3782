// The API tokens other institutions' systems file with: created by an admin (shown once, only a
// hash kept), listed, revoked. Every change is audited.
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { notFound } from '../errors';
import { parse, text } from '../validation';
import { recordAudit } from '../../lib/audit';
import { randomToken, sha256 } from '../../lib/secrets';
import { ApiToken } from '../../lib/models';
import type { CuentaPrincipal } from '../../domain/principal';

type Admin = Pick<CuentaPrincipal, 'cuentaId'>;

export type TokenListed = Pick<ApiToken, 'id' | 'nombre' | 'prefijo' | 'creado_en' | 'revocado_en' | 'ultimo_uso'>;

/** A new token for the system named `nombre`; the token itself is in this answer only. */
export async function createApiToken(deps: AppDeps, admin: Admin, nombre: unknown) {
  const { nombre: n } = parse(z.object({ nombre: text('el nombre del sistema', 3, 100) }), { nombre });
  const token = `mpv_${randomToken(32)}`;
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (trx) => {
    const created = await ApiToken.query(trx)
      .insert({ nombre: n, token_hash: sha256(token), prefijo: token.slice(0, 10), creado_por: admin.cuentaId, creado_en: now })
      .returning(['id', 'nombre', 'prefijo', 'creado_en']);
    await recordAudit(trx, { cuentaId: admin.cuentaId, entidad: 'api_token', clave: String(created.id), accion: 'CREAR', despues: { nombre: n, prefijo: created.prefijo }, en: now });
    return created;
  });
  return { id: row.id, nombre: row.nombre, prefijo: row.prefijo, creado_en: row.creado_en, token };
}

export async function listApiTokens(deps: AppDeps): Promise<TokenListed[]> {
  return ApiToken.query(deps.db).orderBy('id').select('id', 'nombre', 'prefijo', 'creado_en', 'revocado_en', 'ultimo_uso');
}

export async function revokeApiToken(deps: AppDeps, admin: Admin, id: number): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (trx) => {
    const [row] = await ApiToken.query(trx).where({ id }).whereNull('revocado_en').patch({ revocado_en: now }).returning(['nombre', 'prefijo']);
    if (!row) throw notFound('El token no existe o ya fue revocado.');
    const { nombre, prefijo } = row;
    await recordAudit(trx, { cuentaId: admin.cuentaId, entidad: 'api_token', clave: String(id), accion: 'DESACTIVAR', antes: { nombre, prefijo, revocado: false }, despues: { nombre, prefijo, revocado: true }, en: now });
  });
}
