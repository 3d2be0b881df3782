// Staff accounts, administered by an admin: create one (the person sets the password through a
// mailed link), list them, change role and office, (de)activate. Every change is audited.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError, badRequest, notFound } from '../errors';
import { parse, whenValid } from '../validation';
import { startMailDelivery } from '../mail';
import { recordAudit } from '../../lib/audit';
import { Cuenta, Unidad } from '../../lib/models';
import { displayName } from '../../domain/persona';
import { ROL_LABEL, STAFF_ROLES, type CuentaPrincipal, type RolCuenta } from '../../domain/principal';
import { email, isUniqueViolation, nombre } from './campos';
import { issueResetLink } from './claves';
import { endOtherSessions } from './sesiones';

type Admin = Pick<CuentaPrincipal, 'cuentaId'>;

const rol = z.enum(['mesa_partes', 'unidad', 'supervisor', 'admin'], { error: 'Elija un rol: mesa_partes, unidad, supervisor o admin.' });
const unidad = z.string().trim().max(20).optional();
// Unit staff need their office; for the other roles it is optional.
const hasUnidad = (d: { rol: string; unidad?: string }) => d.rol !== 'unidad' || !!d.unidad;
// Checked whenever the role is valid, whatever else is wrong with the form.
const UNIDAD_MISSING = { message: 'Elija la unidad orgánica del personal.', path: ['unidad'], when: whenValid('rol') };

const staffSchema = z
  .object({
    email,
    nombres: nombre('los nombres'),
    apellidoPaterno: nombre('el apellido paterno'),
    apellidoMaterno: nombre('el apellido materno').optional(),
    rol,
    unidad,
    _csrf: z.string().optional(),
  })
  .refine(hasUnidad, UNIDAD_MISSING);

const staffChange = z.object({ rol, unidad }).refine(hasUnidad, UNIDAD_MISSING);

/** What the audit trail keeps of a staff account. */
const staffAudit = (c: Cuenta) => ({ email: c.email, rol: c.rol, unidad: c.unidad_codigo, activo: c.activo });

const activeUnidad = (db: Knex, codigo: string) => Unidad.query(db).findById(codigo).modify('activas');

/** Mesa de partes staff work in the office marked as such unless another is named. */
async function officeFor(db: Knex, d: { rol: RolCuenta; unidad?: string }) {
  if (d.unidad) return d.unidad;
  if (d.rol !== 'mesa_partes') return null;
  return (await Unidad.query(db).findOne({ es_mesa_partes: true }).select('codigo'))?.codigo ?? null;
}

export async function createStaff(deps: AppDeps, admin: Admin, input: unknown): Promise<{ email: string; rol: RolCuenta }> {
  const d = parse(staffSchema, input);
  const now = deps.clock.now();
  if (d.unidad && !(await activeUnidad(deps.db, d.unidad))) throw badRequest('La unidad orgánica no existe.', 'unidad');
  let correoId: number | undefined;
  try {
    correoId = await deps.db.transaction(async (trx) => {
      const cuenta = await Cuenta.query(trx)
        .insert({
          rol: d.rol,
          tipo_persona: 'NATURAL',
          email: d.email,
          // An admin vouches for the address; the person sets the password through the mailed link.
          email_verificado_en: now,
          nombres: d.nombres,
          apellido_paterno: d.apellidoPaterno,
          apellido_materno: d.apellidoMaterno ?? null,
          unidad_codigo: await officeFor(trx, d),
          created_at: now,
          updated_at: now,
        })
        .returning('*');
      await recordAudit(trx, { cuentaId: admin.cuentaId, entidad: 'cuenta', clave: String(cuenta.id), accion: 'CREAR', despues: staffAudit(cuenta), en: now });
      return issueResetLink(trx, deps, cuenta, 'cuenta-personal', now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError(409, 'CUENTA_EXISTENTE', 'Ya existe una cuenta con ese correo.');
    throw err;
  }
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
  return { email: d.email, rol: d.rol };
}

export interface StaffMember {
  id: number;
  email: string;
  nombre: string;
  rol: RolCuenta;
  rolNombre: string;
  unidad: string | null;
  activo: boolean;
  /** The person has yet to set a password through the mailed link. */
  pendienteClave: boolean;
}

export async function listStaff(deps: AppDeps): Promise<StaffMember[]> {
  const rows = await Cuenta.query(deps.db).whereIn('rol', STAFF_ROLES).orderBy(['rol', 'email']);
  return rows.map((c) => ({
    id: c.id,
    email: c.email,
    nombre: displayName(c),
    rol: c.rol,
    rolNombre: ROL_LABEL[c.rol],
    unidad: c.unidad_codigo,
    activo: c.activo,
    pendienteClave: !c.password_hash,
  }));
}

/** One staff account, or a 404. */
export async function staffMember(deps: AppDeps, id: number): Promise<StaffMember> {
  const persona = (await listStaff(deps)).find((c) => c.id === id);
  if (!persona) throw notFound('La cuenta no existe.');
  return persona;
}

/** The offices a staff account may be given. */
export async function activeUnidades(deps: AppDeps): Promise<Pick<Unidad, 'codigo' | 'nombre'>[]> {
  return Unidad.query(deps.db).modify('activas').orderBy('nombre').select('codigo', 'nombre');
}

/** The staff account `id` locked for a change inside `trx`, or a 404. */
async function lockedStaff(trx: Knex, id: number) {
  const c = await Cuenta.query(trx).findById(id).whereIn('rol', STAFF_ROLES).forUpdate();
  if (!c) throw notFound('La cuenta no existe.');
  return c;
}

/** (De)activates a staff account; deactivating ends its sessions. Nobody deactivates themselves. */
export async function setStaffActive(deps: AppDeps, admin: Admin, id: number, activo: boolean): Promise<void> {
  if (id === admin.cuentaId && !activo) throw badRequest('No puede desactivar su propia cuenta.');
  const now = deps.clock.now();
  await deps.db.transaction(async (trx) => {
    const before = await lockedStaff(trx, id);
    if (before.activo === activo) return;
    const [after] = await Cuenta.query(trx).where({ id }).patch({ activo, updated_at: now }).returning('*');
    await recordAudit(trx, { cuentaId: admin.cuentaId, entidad: 'cuenta', clave: String(id), accion: activo ? 'ACTIVAR' : 'DESACTIVAR', antes: staffAudit(before), despues: staffAudit(after), en: now });
    if (!activo) await endOtherSessions(trx, id);
  });
}

/** Changes a staff member's role and office; the next request of their sessions already sees it. */
export async function updateStaff(deps: AppDeps, admin: Admin, id: number, input: unknown) {
  const d = parse(staffChange, input);
  if (id === admin.cuentaId && d.rol !== 'admin') throw badRequest('No puede quitarse a sí mismo el rol de administrador.', 'rol');
  if (d.unidad && !(await activeUnidad(deps.db, d.unidad))) throw badRequest('La unidad orgánica no existe o está desactivada.', 'unidad');
  const now = deps.clock.now();
  return deps.db.transaction(async (trx) => {
    const before = await lockedStaff(trx, id);
    const unidadCodigo = await officeFor(trx, d);
    if (before.rol === d.rol && before.unidad_codigo === unidadCodigo) return staffAudit(before);
    const [after] = await Cuenta.query(trx).where({ id }).patch({ rol: d.rol, unidad_codigo: unidadCodigo, updated_at: now }).returning('*');
    await recordAudit(trx, { cuentaId: admin.cuentaId, entidad: 'cuenta', clave: String(id), accion: 'EDITAR', antes: staffAudit(before), despues: staffAudit(after), en: now });
    return staffAudit(after);
  });
}
