// Every route of the web process, API and pages, with who may call it (http/routes.ts checks that
// before the handler runs). The first route that matches a URL answers, so where two patterns could
// match the same URL the literal one comes first ('/expedientes/nuevo' before '/expedientes/:numero',
// '/casilla/no-leidas' and the exports before '/casilla/:id').
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import { STAFF_ROLES, type RolCuenta } from '../domain/principal';
import { viewsFor, type Views } from '../web/render';
import { route, type Handler, type RouteDef } from './routes';
import { ENROLMENT_PAGE } from './auth/enrolment-gate';
import * as salud from '../api/salud';
import * as cuentasApi from '../api/cuentas';
import * as segundoFactorApi from '../api/segundo-factor';
import * as expedientesApi from '../api/expedientes';
import * as bandejasApi from '../api/bandejas';
import * as casillaApi from '../api/casilla';
import * as adminApi from '../api/admin';
import * as cuentas from '../web/cuentas';
import * as cuentasAdmin from '../web/cuentas-admin';
import * as segundoFactor from '../web/segundo-factor';
import * as expedientes from '../web/expedientes';
import * as consulta from '../web/consulta';
import * as bandejas from '../web/bandejas';
import * as casilla from '../web/casilla';
import * as admin from '../web/admin';
import * as calendario from '../web/admin-calendario';
import * as auditoria from '../web/admin-auditoria';

/** A page handler also gets the views compiled for the app's configuration. */
const page =
  (fn: (ctx: Context, deps: AppDeps, views: Views) => unknown): Handler =>
  (ctx, deps) =>
    fn(ctx, deps, viewsFor(deps.config));

const STAFF = STAFF_ROLES;
const SUPERVISION: RolCuenta[] = ['supervisor', 'admin'];
const ADMIN: RolCuenta[] = ['admin'];
const CIUDADANO: RolCuenta[] = ['ciudadano'];

export const ROUTES: readonly RouteDef[] = [
  // ---------- JSON API (/api/v1) and health ----------
  route('GET', '/health', 'publico', salud.health),
  route('GET', '/ready', 'publico', salud.ready),

  // Accounts, sessions, second factor, staff accounts and API tokens
  route('POST', '/api/v1/cuentas', 'publico', cuentasApi.registerAccount),
  route('POST', '/api/v1/cuentas/verificacion', 'publico', cuentasApi.verifyAccountEmail),
  route('POST', '/api/v1/cuentas/verificacion/reenvio', 'publico', cuentasApi.resendVerification),
  route('POST', '/api/v1/sesiones', 'publico', cuentasApi.logIn),
  route('POST', '/api/v1/sesiones/segundo-factor', 'publico', segundoFactorApi.logInWithCode),
  route('GET', '/api/v1/sesiones/actual', 'cuenta', cuentasApi.currentSession),
  route('DELETE', '/api/v1/sesiones/actual', 'cuenta', cuentasApi.logOut),
  route('POST', '/api/v1/cuentas/clave/olvido', 'publico', cuentasApi.forgottenPassword),
  route('POST', '/api/v1/cuentas/clave/restablecer', 'publico', cuentasApi.resetWithLink),
  route('PUT', '/api/v1/cuentas/clave', 'cuenta', cuentasApi.changeOwnPassword),
  route('GET', '/api/v1/cuentas/perfil', 'cuenta', cuentasApi.showProfile),
  route('PATCH', '/api/v1/cuentas/perfil', 'cuenta', cuentasApi.editProfile),
  route('GET', '/api/v1/cuentas/segundo-factor', 'cuenta', segundoFactorApi.showSecondFactor),
  route('POST', '/api/v1/cuentas/segundo-factor', 'cuenta', segundoFactorApi.enrol),
  route('POST', '/api/v1/cuentas/segundo-factor/confirmacion', 'cuenta', segundoFactorApi.confirmEnrolmentCode),
  route('POST', '/api/v1/cuentas/segundo-factor/desactivacion', 'cuenta', segundoFactorApi.disable),
  route('GET', '/api/v1/admin/cuentas', ADMIN, cuentasApi.staffList),
  route('POST', '/api/v1/admin/cuentas', ADMIN, cuentasApi.staffCreate),
  route('PATCH', '/api/v1/admin/cuentas/:id', ADMIN, cuentasApi.staffChange),
  route('GET', '/api/v1/admin/tokens', ADMIN, cuentasApi.tokenList),
  route('POST', '/api/v1/admin/tokens', ADMIN, cuentasApi.tokenCreate),
  route('DELETE', '/api/v1/admin/tokens/:id', ADMIN, cuentasApi.tokenRevoke),

  // Expedientes: filing, actions, lists, detail, files, consulta, catalogues, calendar, verification
  route('POST', '/api/v1/expedientes', 'presentante', expedientesApi.presentar),
  route('GET', '/api/v1/expedientes', 'principal', expedientesApi.listar),
  route('GET', '/api/v1/expedientes/:numero', 'principal', expedientesApi.detalle),
  route('GET', '/api/v1/expedientes/:numero/cargo.pdf', 'principal', expedientesApi.cargo),
  route('GET', '/api/v1/expedientes/:numero/escritos/:n/cargo.pdf', 'principal', expedientesApi.cargoEscrito('ESCRITO')),
  route('GET', '/api/v1/expedientes/:numero/subsanaciones/:n/cargo.pdf', 'principal', expedientesApi.cargoEscrito('SUBSANACION')),
  route('POST', '/api/v1/expedientes/:numero/escritos', 'presentante', expedientesApi.escrito),
  route('POST', '/api/v1/expedientes/:numero/:accion', 'principal', expedientesApi.accion),
  route('GET', '/api/v1/documentos/:id', 'principal', expedientesApi.documento),
  route('GET', '/api/v1/consulta', 'publico', expedientesApi.consulta),
  route('GET', '/api/v1/catalogos', 'publico', expedientesApi.catalogo),
  route('GET', '/api/v1/calendario/presentacion', 'publico', expedientesApi.calendarioPresentacion),
  route('GET', '/api/v1/calendario/plazo', 'publico', expedientesApi.calendarioPlazo),
  route('GET', '/api/v1/verificacion/:codigo', 'publico', expedientesApi.verificacion),

  // Trays, dashboard, administration, non-working days, casilla
  route('GET', '/api/v1/admin/dias-no-laborables', ['admin', 'supervisor'], adminApi.getDiasNoLaborables),
  route('POST', '/api/v1/admin/dias-no-laborables', ADMIN, adminApi.postDiaNoLaborable),
  route('DELETE', '/api/v1/admin/dias-no-laborables/:fecha', ADMIN, adminApi.deleteDiaNoLaborable),
  route('GET', '/api/v1/bandejas', STAFF, bandejasApi.getBandejas),
  route('GET', '/api/v1/bandejas/:bandeja', STAFF, bandejasApi.getBandeja),
  route('GET', '/api/v1/bandejas/:bandeja/export.xlsx', STAFF, bandejasApi.exportBandejaXlsx),
  route('GET', '/api/v1/bandejas/:bandeja/export.pdf', STAFF, bandejasApi.exportBandejaPdf),
  route('GET', '/api/v1/supervision/tablero', SUPERVISION, bandejasApi.getTablero),
  route('GET', '/api/v1/admin/unidades', ADMIN, adminApi.getUnidades),
  route('POST', '/api/v1/admin/unidades', ADMIN, adminApi.postUnidad),
  route('PATCH', '/api/v1/admin/unidades/:codigo', ADMIN, adminApi.patchUnidad),
  route('GET', '/api/v1/admin/tipos-documento', ADMIN, adminApi.getTipos),
  route('POST', '/api/v1/admin/tipos-documento', ADMIN, adminApi.postTipo),
  route('PATCH', '/api/v1/admin/tipos-documento/:codigo', ADMIN, adminApi.patchTipo),
  route('GET', '/api/v1/admin/ajustes', ADMIN, adminApi.getAjustesRoute),
  route('PUT', '/api/v1/admin/ajustes/horario', ADMIN, adminApi.putHorario),
  route('PUT', '/api/v1/admin/ajustes/limites', ADMIN, adminApi.putLimites),
  route('GET', '/api/v1/admin/auditoria', ADMIN, adminApi.getAuditoria),
  route('GET', '/api/v1/casilla', CIUDADANO, casillaApi.getCasilla),
  route('GET', '/api/v1/casilla/no-leidas', CIUDADANO, casillaApi.getNoLeidas),
  route('GET', '/api/v1/casilla.xlsx', CIUDADANO, casillaApi.exportCasillaXlsx),
  route('GET', '/api/v1/casilla/export.xlsx', CIUDADANO, casillaApi.exportCasillaXlsx),
  route('GET', '/api/v1/casilla.pdf', CIUDADANO, casillaApi.exportCasillaPdf),
  route('GET', '/api/v1/casilla/export.pdf', CIUDADANO, casillaApi.exportCasillaPdf),
  route('GET', '/api/v1/casilla/:id', 'principal', casillaApi.getNotificacion),
  route('GET', '/api/v1/casilla/:id/constancia.pdf', 'principal', casillaApi.getConstancia),
  route('GET', '/api/v1/casilla/:id/documentos/:doc', 'principal', casillaApi.getDocumentoNotificacion),

  // ---------- Pages ----------
  // Accounts
  route('GET', '/terminos', 'publico', page(cuentas.terminos)),
  route('GET', '/privacidad', 'publico', page(cuentas.privacidad)),
  route('GET', '/ingresar', 'publico', page(cuentas.ingresarForm)),
  route('POST', '/ingresar', 'publico', page(cuentas.ingresar)),
  route('POST', '/ingresar/codigo', 'publico', page(cuentas.ingresarCodigo)),
  route('POST', '/salir', 'publico', page(cuentas.salir)),
  route('GET', '/registro', 'publico', page(cuentas.registroForm)),
  route('POST', '/registro', 'publico', page(cuentas.registrar)),
  route('GET', '/cuentas/verificar', 'publico', page(cuentas.verificarForm)),
  route('POST', '/cuentas/verificar', 'publico', page(cuentas.verificar)),
  route('POST', '/cuentas/verificar/reenvio', 'publico', page(cuentas.reenviarCodigo)),
  route('GET', '/clave/olvido', 'publico', page(cuentas.olvidoForm)),
  route('POST', '/clave/olvido', 'publico', page(cuentas.olvido)),
  route('GET', '/clave/restablecer', 'publico', page(cuentas.restablecerForm)),
  route('POST', '/clave/restablecer', 'publico', page(cuentas.restablecer)),
  route('GET', '/cuenta/clave', 'cuenta', page(cuentas.claveForm)),
  route('POST', '/cuenta/clave', 'cuenta', page(cuentas.cambiarClave)),
  route('GET', '/cuenta/perfil', 'cuenta', page(cuentas.perfil)),
  route('POST', '/cuenta/perfil', 'cuenta', page(cuentas.guardarPerfil)),
  route('GET', ENROLMENT_PAGE, 'cuenta', page(segundoFactor.segundoFactor)),
  route('POST', ENROLMENT_PAGE, 'cuenta', page(segundoFactor.activar)),
  route('POST', `${ENROLMENT_PAGE}/confirmacion`, 'cuenta', page(segundoFactor.confirmar)),
  route('POST', `${ENROLMENT_PAGE}/desactivacion`, 'cuenta', page(segundoFactor.desactivar)),
  route('GET', '/admin/personal', ADMIN, page(cuentasAdmin.personal)),
  route('POST', '/admin/personal', ADMIN, page(cuentasAdmin.crearPersonal)),
  route('POST', '/admin/personal/:id/activar', ADMIN, page(cuentasAdmin.activarPersonal)),
  route('POST', '/admin/personal/:id/desactivar', ADMIN, page(cuentasAdmin.desactivarPersonal)),
  route('GET', '/admin/personal/:id', ADMIN, page(cuentasAdmin.persona)),
  route('POST', '/admin/personal/:id', ADMIN, page(cuentasAdmin.editarPersona)),
  route('GET', '/admin/tokens', ADMIN, page(cuentasAdmin.tokens)),
  route('POST', '/admin/tokens', ADMIN, page(cuentasAdmin.crearToken)),
  route('POST', '/admin/tokens/:id/revocar', ADMIN, page(cuentasAdmin.revocarToken)),

  // Expedientes, consulta and verification
  route('GET', '/', 'publico', page(expedientes.listaPage)),
  route('GET', '/expedientes/nuevo', ['ciudadano'], page(expedientes.nuevo)),
  route('POST', '/expedientes/nuevo', ['ciudadano'], page(expedientes.presentar)),
  route('GET', '/expedientes/:numero/cargo', 'cuenta', page(expedientes.cargo)),
  route('GET', '/expedientes/:numero/escritos/nuevo', ['ciudadano'], page(expedientes.nuevoEscrito)),
  route('POST', '/expedientes/:numero/escritos/nuevo', ['ciudadano'], page(expedientes.presentarEscrito)),
  route('GET', '/expedientes/:numero/escritos/:n', 'cuenta', page(expedientes.escrito('ESCRITO'))),
  route('GET', '/expedientes/:numero/subsanaciones/:n', 'cuenta', page(expedientes.escrito('SUBSANACION'))),
  route('GET', '/expedientes/:numero', 'cuenta', page(expedientes.detalle)),
  route('POST', '/expedientes/:numero/:accion', 'cuenta', page(expedientes.accion)),
  route('GET', '/consulta', 'publico', page(consulta.consultaForm)),
  route('POST', '/consulta', 'publico', page(consulta.consulta)),
  route('GET', '/verificacion', 'publico', page(consulta.verificacionForm)),
  route('GET', '/verificacion/:codigo', 'publico', page(consulta.verificacion)),

  // Trays, dashboard, administration, casilla
  route('GET', '/bandeja', STAFF, bandejas.bandejaInicio),
  route('GET', '/bandeja/:bandeja', STAFF, page(bandejas.bandejaPagina)),
  route('GET', '/supervision', SUPERVISION, page(bandejas.supervisionPagina)),
  route('GET', '/admin', ADMIN, page(admin.adminInicio)),
  route('GET', '/admin/unidades', ADMIN, page(admin.unidadesPagina)),
  route('POST', '/admin/unidades', ADMIN, page(admin.crearUnidad)),
  route('GET', '/admin/unidades/:codigo', ADMIN, page(admin.unidadPagina)),
  route('POST', '/admin/unidades/:codigo', ADMIN, page(admin.editarUnidad)),
  route('POST', '/admin/unidades/:codigo/activar', ADMIN, page(admin.activarUnidad(true))),
  route('POST', '/admin/unidades/:codigo/desactivar', ADMIN, page(admin.activarUnidad(false))),
  route('GET', '/admin/tipos', ADMIN, page(admin.tiposPagina)),
  route('POST', '/admin/tipos', ADMIN, page(admin.crearTipo)),
  route('GET', '/admin/tipos/:codigo', ADMIN, page(admin.tipoPagina)),
  route('POST', '/admin/tipos/:codigo', ADMIN, page(admin.editarTipo)),
  route('POST', '/admin/tipos/:codigo/activar', ADMIN, page(admin.activarTipo(true))),
  route('POST', '/admin/tipos/:codigo/desactivar', ADMIN, page(admin.activarTipo(false))),
  route('GET', '/admin/horario', ADMIN, page(admin.horarioPagina)),
  route('POST', '/admin/horario', ADMIN, page(admin.guardarHorario)),
  route('POST', '/admin/horario/limites', ADMIN, page(admin.guardarLimites)),
  route('GET', '/admin/calendario', ADMIN, page(calendario.calendarioPagina)),
  route('POST', '/admin/calendario', ADMIN, page(calendario.agregarDia)),
  route('POST', '/admin/calendario/:fecha/eliminar', ADMIN, page(calendario.eliminarDia)),
  route('GET', '/admin/auditoria', ADMIN, page(auditoria.auditoriaPagina)),
  route('GET', '/casilla', CIUDADANO, page(casilla.casillaPagina)),
  route('GET', '/casilla/:id', 'cuenta', page(casilla.notificacionPagina)),
];
