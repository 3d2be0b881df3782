// What the forms of a case accept as files, with the limits in force (the admin's, else
// lib/config.ts), and what a use case gets back once http/uploads.ts has streamed them to storage.
import type { UploadRules } from '../../domain/archivos';
import { ANEXO_EXTENSIONS } from '../../domain/archivos';
import type { Accion } from '../../domain/lifecycle';
import { effectiveLimits } from '../../lib/settings';
import type { AppDeps } from '../deps';

/** A file received with a request and already stored (content-addressed). */
export interface UploadedFile {
  field: string;
  /** Sanitised original name (domain/archivos.ts `sanitizeFilename`). */
  filename: string;
  /** SHA-256 of the content, hex: the storage key. */
  key: string;
  size: number;
  /** Recognised by content, not by the name or the part's Content-Type. */
  mime: string;
  /** The declared extension, lower case, already checked against the content. */
  ext: string;
  /** Page count, for PDFs whose page tree can be read. */
  paginas?: number;
}

/** A multipart form read whole: its text fields and its stored files, in the order sent. */
export interface Upload {
  fields: Record<string, string>;
  files: UploadedFile[];
}

/**
 * Reads the request's multipart body under `rules` (http/uploads.ts). A use case calls it once
 * its own checks passed, so a refused request stores nothing.
 */
export type ReadUpload = (rules: UploadRules) => Promise<Upload>;

/** The filing's files: one readable PDF and the anexos. */
export async function filingRules(deps: AppDeps): Promise<UploadRules> {
  const l = await effectiveLimits(deps.db, deps.config);
  return {
    files: {
      principal: { maxCount: 1, maxBytes: () => l.principalBytes, allowed: ['pdf'], label: 'documento principal', requireReadablePdf: true },
      anexos: { maxCount: l.maxAnexos, maxBytes: (i) => (i === 0 ? l.firstAnexoBytes : l.otherAnexoBytes), allowed: ANEXO_EXTENSIONS, label: 'anexos' },
    },
  };
}

/** The actions that carry files, and the form field that holds them. */
export const FILE_FIELD: Partial<Record<Accion, string>> = { atender: 'respuesta', subsanar: 'documentos', actualizar: 'documentos', notificar: 'documentos' };

/** An action's files: atender's one PDF response, the others' documents. */
export async function actionRules(deps: AppDeps, accion: Accion): Promise<UploadRules> {
  const l = await effectiveLimits(deps.db, deps.config);
  const atender = accion === 'atender';
  return {
    files: {
      [FILE_FIELD[accion] ?? 'documentos']: {
        maxCount: atender ? 1 : l.maxAnexos + 1,
        maxBytes: (i) => (i === 0 ? l.principalBytes : l.otherAnexoBytes),
        allowed: atender ? ['pdf'] : ANEXO_EXTENSIONS,
        label: atender ? 'documento de respuesta' : 'documentos',
      },
    },
  };
}
