// Which stored file a download is: a case's cargo or one of its documents, for who may see the
// case (http/stream-stored.ts streams it); opening a notified file is its acuse de lectura.
import type { Principal } from '../../domain/principal';
import { Documento, Expediente } from '../../lib/models';
import type { AppDeps } from '../deps';
import { AppError, notFound } from '../errors';
import { visibleExpediente } from './consultas';
import { acuseDeDocumento } from '../casilla/casilla';

/** A stored file as a download names it. */
export interface ArchivoGuardado {
  sha256: string;
  nombre: string;
  mime: string;
}

const CARGO_WAIT = { tries: 100, everyMs: 150 };

/** The case's cargo; the worker prints it right after filing, so it is waited for briefly. */
export async function cargoDe(deps: AppDeps, p: Principal, numero: string): Promise<ArchivoGuardado> {
  const exp = await visibleExpediente(deps, p, numero);
  let key = exp.cargo_key;
  for (let i = 0; !key && i < CARGO_WAIT.tries; i++) {
    await new Promise((res) => setTimeout(res, CARGO_WAIT.everyMs));
    key = (await Expediente.query(deps.db).findById(exp.id).select('cargo_key'))?.cargo_key ?? null;
  }
  if (!key) throw new AppError(503, 'CARGO_EN_PREPARACION', 'El cargo se está generando. Intente nuevamente en unos segundos.');
  return { sha256: key, nombre: `cargo-${exp.numero}.pdf`, mime: 'application/pdf' };
}

/**
 * A document of a case `p` may see; 404 for anyone else. A file notified to `p` (the response,
 * a notification's documents) is read only through its acuse de lectura, recorded here, before
 * the file is sent (services/casilla/casilla.ts).
 */
export async function documentoDe(deps: AppDeps, p: Principal, rawId: string): Promise<ArchivoGuardado> {
  const id = /^\d{1,15}$/.test(rawId) ? Number(rawId) : NaN;
  const doc = Number.isSafeInteger(id) ? await Documento.query(deps.db).findById(id) : undefined;
  if (!doc) throw notFound('El documento no existe.');
  const exp = await Expediente.query(deps.db).findById(doc.expediente_id).select('numero');
  await visibleExpediente(deps, p, exp?.numero ?? '');
  await acuseDeDocumento(deps, p, doc.id);
  return { sha256: doc.sha256, nombre: doc.nombre, mime: doc.mime };
}
