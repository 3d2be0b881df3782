// The cargos of the citizen's submissions after the filing (issue #14), as the case shows them:
// their dates, verification code and links, and the trays' «escrito nuevo» (services/expedientes/
// escritos.ts takes an escrito in; workflows/escrito.ts records it and prints its cargo).
import { formatInstant } from '../../domain/calendar';
import { SEGMENTO_ESCRITO, tituloEscrito, type TipoEscrito } from '../../domain/escritos';
import { holdsCase } from '../../domain/lifecycle';
import type { Principal } from '../../domain/principal';
import { newVerificationCode } from '../../lib/documents';
import { Escrito, Expediente } from '../../lib/models';
import type { Recepcion } from '../../workflows/definitions';
import type { AppDeps } from '../deps';

/** The two legal dates of a submission received now, and its cargo's verification code (as filing does). */
export async function recepcionAhora(deps: AppDeps): Promise<Recepcion> {
  const now = deps.clock.now();
  const { presentacion, recepcion } = await deps.calendar.presentacion(now);
  return { presentadoEn: now.toISOString(), fechaPresentacion: presentacion, recibidoEn: recepcion.toISOString(), codigoVerificacion: newVerificationCode() };
}

/** Where a submission's cargo PDF and its page are. */
export function escritoUrls(numero: string, tipo: TipoEscrito, n: number) {
  const pagina = `/expedientes/${numero}/${SEGMENTO_ESCRITO[tipo]}/${n}`;
  return { pagina, cargoUrl: `/api/v1${pagina}/cargo.pdf` };
}

/** The cargo of the submission a verification code names (a subsanación's: right after it is sent). */
export async function cargoPorCodigo(deps: AppDeps, codigo: string) {
  const e = await Escrito.query(deps.db).findOne({ codigo_verificacion: codigo });
  const exp = e && (await Expediente.query(deps.db).findById(e.expediente_id).select('numero'));
  return e && exp ? { cargoUrl: escritoUrls(exp.numero, e.tipo, e.numero).cargoUrl, codigoVerificacion: e.codigo_verificacion } : undefined;
}

/** A submission after the filing as the case shows it. */
export interface EscritoVista {
  tipo: TipoEscrito;
  numero: number;
  titulo: string;
  asunto: string;
  contenido: string | null;
  presentadoEn: string;
  fechaPresentacion: string;
  fechaRecepcion: string;
  codigoVerificacion: string;
  /** False until its cargo is printed (a moment after it is sent). */
  cargoListo: boolean;
  cargoUrl: string;
  /** Its page, with its cargo. */
  url: string;
  /** Its step of the seguimiento. */
  secuencia: number;
}

export function escritoVista(numero: string, e: Escrito): EscritoVista {
  const urls = escritoUrls(numero, e.tipo, e.numero);
  return {
    tipo: e.tipo,
    numero: e.numero,
    titulo: tituloEscrito(e.tipo, e.numero),
    asunto: e.asunto,
    contenido: e.contenido,
    presentadoEn: formatInstant(new Date(e.presentado_en)),
    fechaPresentacion: e.fecha_presentacion,
    fechaRecepcion: formatInstant(new Date(e.recibido_en)),
    codigoVerificacion: e.codigo_verificacion,
    cargoListo: !!e.cargo_key,
    cargoUrl: urls.cargoUrl,
    url: urls.pagina,
    secuencia: e.secuencia,
  };
}

/** The case's submissions after the filing, in the order they came. */
export async function escritosDe(deps: AppDeps, exp: Pick<Expediente, 'id' | 'numero'>): Promise<EscritoVista[]> {
  const rows = await Escrito.query(deps.db).where({ expediente_id: exp.id }).orderBy('id');
  return rows.map((e) => escritoVista(exp.numero, e));
}

/**
 * Staff of the office holding the case opened it: its escritos are no longer new to that office
 * (the trays' «escrito nuevo» goes). One that arrives meanwhile keeps the mark.
 */
export async function escritosVistos(deps: AppDeps, p: Principal, exp: Pick<Expediente, 'id' | 'unidad' | 'escrito_nuevo_en'>) {
  if (!exp.escrito_nuevo_en || p.kind !== 'cuenta' || !holdsCase(p, exp)) return;
  await deps.db('expedientes').where({ id: exp.id }).where('escrito_nuevo_en', '<=', exp.escrito_nuevo_en).update({ escrito_nuevo_en: null });
}
