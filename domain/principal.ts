// Who asks: a person with an account (and its role) or another institution's system by API token.
import type { Rol } from './lifecycle';

/** The roles an account holds; an API token acts as `sistema`, never as an account. */
export type RolCuenta = Exclude<Rol, 'sistema'>;
export const STAFF_ROLES: readonly RolCuenta[] = ['mesa_partes', 'unidad', 'supervisor', 'admin'];
export const ROLES_CUENTA: readonly RolCuenta[] = ['ciudadano', ...STAFF_ROLES];

/** Each account role as people name it (pages, mails, the audit trail). */
export const ROL_LABEL: Readonly<Record<RolCuenta, string>> = {
  ciudadano: 'Ciudadano',
  mesa_partes: 'Mesa de partes',
  unidad: 'Personal de unidad orgánica',
  supervisor: 'Supervisor',
  admin: 'Administrador',
};

export type Principal =
  | {
      kind: 'cuenta';
      cuentaId: number;
      rol: RolCuenta;
      email: string;
      nombre: string;
      unidad: string | null;
      csrfToken: string;
      sessionHash: string;
      /** The role requires a second factor (DOBLE_FACTOR_ROLES) and the account has none yet. */
      mustEnrolTotp: boolean;
    }
  | { kind: 'sistema'; tokenId: number; nombre: string };

export type CuentaPrincipal = Extract<Principal, { kind: 'cuenta' }>;
