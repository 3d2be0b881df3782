// What a verification code (printed on a cargo or a constancia) certifies: which document of
// which case, when it was issued, its SHA-256 and, for a constancia, the notification.
import { formatInstant } from '../../domain/calendar';
import { normalizeCodigoVerificacion } from '../../domain/formats';
import { Expediente, Verificacion } from '../../lib/models';
import type { FirmaRegistrada } from '../../lib/signing';
import type { AppDeps } from '../deps';

/** A notification as its constancia's verification record keeps it. */
interface NotificacionRegistrada {
  documento: string;
  asunto: string;
  dependencia: string;
  depositadaEn: string;
  vence: string | null;
  archivos: { nombre: string; sha256: string }[];
}

export interface NotificacionCertificada {
  documento: string;
  asunto: string;
  dependencia: string;
  depositadaEn: string;
  venceEn: string | null;
  archivos: { nombre: string; sha256: string }[];
}

/** The document's digital signature: who signed, when, with which certificate. */
export interface FirmaCertificada {
  firmante: string;
  firmadoEn: string;
  /** SHA-256 of the signing certificate. */
  huellaCertificado: string;
  /** Signed with the system's self-signed demo certificate: no legal force. */
  certificadoDeDemostracion: boolean;
}

export interface Verificado {
  codigo: string;
  tipo: 'CARGO' | 'CONSTANCIA';
  /** The document's own name, when the record gives one. */
  documento: string | null;
  expediente: string;
  asunto: string;
  fechaPresentacion: string | null;
  emitidoEn: string;
  sha256: string | null;
  /** Null for documents issued before they were signed. */
  firma: FirmaCertificada | null;
  notificacion?: NotificacionCertificada;
}

/** What a constancia's code certifies: which document was deposited, when, with which files. */
function certifiedNotification(n: NotificacionRegistrada): NotificacionCertificada {
  return {
    documento: n.documento,
    asunto: n.asunto,
    dependencia: n.dependencia,
    depositadaEn: formatInstant(new Date(n.depositadaEn)),
    venceEn: n.vence ? formatInstant(new Date(n.vence)) : null,
    archivos: n.archivos,
  };
}

/** The document a code certifies (as typed or pasted: any case, spaces, dashes), or null when no document has it. */
export async function verificar(deps: AppDeps, codigo: string): Promise<Verificado | null> {
  const c = normalizeCodigoVerificacion(codigo);
  if (!c) return null;
  const v = await Verificacion.query(deps.db).findById(c);
  const exp = v && (await Expediente.query(deps.db).findById(v.expediente_id));
  if (!v || !exp) return null;
  const detalle = (v.detalle ?? {}) as { documento?: string; firma?: FirmaRegistrada; notificacion?: NotificacionRegistrada };
  const f = detalle.firma;
  return {
    codigo: c,
    tipo: v.tipo,
    documento: detalle.documento ?? null,
    expediente: exp.numero,
    asunto: exp.asunto,
    fechaPresentacion: exp.fecha_presentacion,
    emitidoEn: formatInstant(new Date(v.emitido_en)),
    sha256: v.sha256,
    firma: f ? { firmante: f.firmante, firmadoEn: formatInstant(new Date(f.firmadoEn)), huellaCertificado: f.huella, certificadoDeDemostracion: f.demo } : null,
    ...(detalle.notificacion ? { notificacion: certifiedNotification(detalle.notificacion) } : {}),
  };
}
