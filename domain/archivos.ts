// What a received file must be (DESIGN.md "Files"): its name as shown and downloaded, the
// extensions each form accepts and what their content must be recognised as. Pure: the upload
// streaming (http/uploads.ts) applies these rules; the services say which apply to which form.

/** What an anexo may be. */
export const ANEXO_EXTENSIONS = ['pdf', 'png', 'jpg', 'jpeg', 'docx', 'doc', 'xls', 'xlsx', 'zip', 'rar'] as const;

export interface FileRule {
  maxCount: number;
  /** Size limit of the `index`-th file (0-based) of this field. */
  maxBytes: (index: number) => number;
  /** Extensions, lower case, without the dot. */
  allowed: readonly string[];
  /** How a person calls these files, in plural for maxCount > 1: 'anexos', 'documento principal'. */
  label: string;
  /** Refuse (422) a PDF whose pages cannot be read; by default `paginas` is just left out. */
  requireReadablePdf?: boolean;
}

/** The files a form accepts, by field name, and how much text it may carry. */
export interface UploadRules {
  files: Record<string, FileRule>;
  /** Text fields per request (default 50). */
  maxFields?: number;
  /** Bytes per text field (default 64 KB). */
  maxFieldBytes?: number;
}

const MAX_NAME_CHARS = 150;

// ---------------------------------------------------------------------------------------------
// Types by content

interface Format {
  /** What the content must be detected as (file-type's `ext`). */
  detected: readonly string[];
  mime: string;
  /** '«x» no es …' */
  what: string;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const JPEG: Format = { detected: ['jpg'], mime: 'image/jpeg', what: 'una imagen JPEG válida' };

// A declared extension and what its content may be detected as. OOXML files are zip archives:
// file-type names them docx/xlsx when `[Content_Types].xml` comes within the first bytes (Word,
// Excel), but some producers (LibreOffice) write it last, and then the head only says "zip".
// Old Office files (.doc, .xls) are OLE compound files: file-type says "cfb" for both, so the
// name tells which. A real .zip that happens to be an OOXML document is still a zip.
const FORMATS: Record<string, Format> = {
  pdf: { detected: ['pdf'], mime: 'application/pdf', what: 'un PDF válido' },
  png: { detected: ['png', 'apng'], mime: 'image/png', what: 'una imagen PNG válida' },
  jpg: JPEG,
  jpeg: JPEG,
  docx: { detected: ['docx', 'zip'], mime: DOCX, what: 'un documento de Word válido' },
  xlsx: { detected: ['xlsx', 'zip'], mime: XLSX, what: 'una hoja de cálculo de Excel válida' },
  doc: { detected: ['cfb'], mime: 'application/msword', what: 'un documento de Word válido' },
  xls: { detected: ['cfb'], mime: 'application/vnd.ms-excel', what: 'una hoja de cálculo de Excel válida' },
  zip: { detected: ['zip', 'docx', 'xlsx', 'pptx'], mime: 'application/zip', what: 'un archivo ZIP válido' },
  rar: { detected: ['rar'], mime: 'application/vnd.rar', what: 'un archivo RAR válido' },
};

/** What a file's first bytes were recognised as (file-type's answer), if anything. */
export interface Detected {
  ext: string;
  mime: string;
}

/** The mime of a file named with `ext` whose content was recognised as `found`, or why it is refused. */
export function mimeByContent(ext: string, filename: string, found: Detected | undefined): { mime: string } | { refusal: string } {
  const format = FORMATS[ext];
  if (format) {
    if (found && format.detected.includes(found.ext)) return { mime: format.mime };
    return { refusal: `El archivo «${filename}» no es ${format.what}.` };
  }
  // An extension a caller allowed beyond the known ones: the content must say the same.
  if (found && found.ext === ext) return { mime: found.mime };
  return { refusal: `El contenido del archivo «${filename}» no corresponde a un archivo .${ext}.` };
}

/** Why a file of this name is not accepted by `rule` (count and extension), or null. */
export function ruleRefusal(rule: FileRule, index: number, filename: string): { status: 400 | 422; message: string } | null {
  if (index >= rule.maxCount) {
    const message = rule.maxCount === 1 ? `Solo se puede adjuntar un archivo como ${rule.label}.` : `Puede adjuntar hasta ${rule.maxCount} ${rule.label}.`;
    return { status: 400, message };
  }
  if (!rule.allowed.includes(extensionOf(filename))) {
    const message =
      rule.allowed.length === 1
        ? `Como ${rule.label} solo se acepta un archivo ${rule.allowed[0].toUpperCase()}; «${filename}» no lo es.`
        : `El archivo «${filename}» no tiene un formato permitido (${rule.allowed.join(', ')}).`;
    return { status: 422, message };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Names and sizes

// C0/C1 control characters (NUL included) and bidirectional overrides ("informe\u202Efdp.exe").
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name shown in the cargo and used for downloads: the base name only (no directories, no
 * drive, no `..`), NFC, without control characters, at most 150 characters keeping the
 * extension, never empty ('archivo').
 */
export function sanitizeFilename(raw: string | undefined): string {
  let name = (raw ?? '').normalize('NFC').replace(INVISIBLE, '');
  name = name.split(/[\\/]/).pop() ?? '';
  name = name
    .replace(/^[a-zA-Z]:/, '') // 'C:informe.pdf'
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, ''); // 'x.pdf.' and '..'
  const m = /^(.*)\.([^.\s]{1,16})$/.exec(name);
  let stem = m ? m[1] : name;
  const ext = m ? m[2] : '';
  const room = MAX_NAME_CHARS - (ext ? ext.length + 1 : 0);
  stem = Array.from(stem.replace(/^[.\s]+/, '')).slice(0, room).join('').replace(/[.\s]+$/, '');
  return `${stem || 'archivo'}${ext ? `.${ext}` : ''}`;
}

/** The extension, lower case, without the dot ('' when none). */
export function extensionOf(filename: string) {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

/** '20 MB', '1,5 MB', '64 KB': a limit as an upload refusal says it. */
export function formatLimit(bytes: number) {
  const n = (v: number) => new Intl.NumberFormat('es-PE', { maximumFractionDigits: 1 }).format(v);
  if (bytes >= 1024 * 1024) return `${n(bytes / 1024 / 1024)} MB`;
  if (bytes >= 1024) return `${n(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
