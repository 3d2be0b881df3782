// The logged-in account's own data: read all of it, change what may change (never the document,
// the e-mail, the kind of person or the razón social).
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { badRequest } from '../errors';
import { parse } from '../validation';
import { Cuenta, type Representante } from '../../lib/models';
import type { CuentaPrincipal, RolCuenta } from '../../domain/principal';
import { direccion, domicilioFiscal, nombre, telefono } from './campos';
import { PREFERENCIAS_AVISOS, recibeAvisos, type PreferenciaAvisos } from '../../domain/avisos';

export interface Perfil {
  tipoPersona: 'NATURAL' | 'JURIDICA';
  rol: RolCuenta;
  tipoDocumento: string | null;
  numeroDocumento: string | null;
  email: string;
  nombres: string | null;
  apellidoPaterno: string | null;
  apellidoMaterno: string | null;
  fechaNacimiento: string | null;
  telefono: string | null;
  direccion: string | null;
  razonSocial: string | null;
  domicilioFiscal: string | null;
  representante: Representante | null;
  unidad: string | null;
  /** How work avisos reach the person (staff who receive work only; null for everyone else). */
  avisos: PreferenciaAvisos | null;
}

export async function getProfile(deps: AppDeps, p: Pick<CuentaPrincipal, 'cuentaId'>): Promise<Perfil> {
  const c = await Cuenta.query(deps.db).findById(p.cuentaId).throwIfNotFound();
  return {
    tipoPersona: c.tipo_persona,
    rol: c.rol,
    tipoDocumento: c.tipo_documento,
    numeroDocumento: c.numero_documento,
    email: c.email,
    nombres: c.nombres,
    apellidoPaterno: c.apellido_paterno,
    apellidoMaterno: c.apellido_materno,
    fechaNacimiento: c.fecha_nacimiento,
    telefono: c.telefono,
    direccion: c.direccion,
    razonSocial: c.razon_social,
    domicilioFiscal: c.domicilio_fiscal,
    representante: c.representante,
    unidad: c.unidad_codigo,
    avisos: recibeAvisos(c.rol) ? c.avisos : null,
  };
}

const LOCKED = ['numeroDocumento', 'email', 'tipoDocumento', 'ruc', 'tipoPersona', 'razonSocial'];

const profileSchema = z
  .object({
    nombres: nombre('los nombres').optional(),
    apellidoPaterno: nombre('el apellido paterno').optional(),
    apellidoMaterno: nombre('el apellido materno').optional(),
    telefono: telefono.optional(),
    direccion: direccion.optional(),
    domicilioFiscal: domicilioFiscal.optional(),
    avisos: z.enum(PREFERENCIAS_AVISOS, { error: 'Elija cómo recibir los avisos: Cada aviso, Resumen diario o Ninguno.' }).optional(),
    _csrf: z.string().optional(),
  }, { error: (iss) => (iss.code === 'unrecognized_keys' ? `Campo no permitido: ${iss.keys.join(', ')}.` : undefined) })
  .strict();

/** Changes the fields given (those of its kind of person); answers the profile as it is now. */
export async function updateProfile(deps: AppDeps, p: Pick<CuentaPrincipal, 'cuentaId'>, input: unknown): Promise<Perfil> {
  const given = (input ?? {}) as Record<string, unknown>;
  const locked = LOCKED.find((k) => k in given);
  if (locked) throw badRequest('El número de documento, el correo, el tipo de persona y la razón social no se pueden modificar.', locked);
  const d = parse(profileSchema, input);
  const { tipo_persona, rol } = await Cuenta.query(deps.db).findById(p.cuentaId).select('tipo_persona', 'rol').throwIfNotFound();
  if (d.avisos && !recibeAvisos(rol)) throw badRequest('Solo el personal de mesa de partes y de las unidades orgánicas elige sus avisos de trabajo.', 'avisos');
  const changes: Partial<Pick<Cuenta, 'nombres' | 'apellido_paterno' | 'apellido_materno' | 'telefono' | 'direccion' | 'domicilio_fiscal' | 'avisos'>> =
    tipo_persona === 'JURIDICA'
      ? { telefono: d.telefono, domicilio_fiscal: d.domicilioFiscal }
      : { nombres: d.nombres, apellido_paterno: d.apellidoPaterno, apellido_materno: d.apellidoMaterno, telefono: d.telefono, direccion: d.direccion, avisos: d.avisos };
  const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length) await Cuenta.query(deps.db).findById(p.cuentaId).patch({ ...set, updated_at: deps.clock.now() });
  return getProfile(deps, p);
}
