import { Type } from 'typebox';
import { closed, DateTime, Page, PageQuery, PlaybookId } from './common.js';

/** Uploaded playbooks are YAML text, at most 256 KiB. */
export const playbookSourceLimit = 256 * 1024;
export const yamlContentTypes = ['application/yaml', 'text/yaml', 'application/x-yaml'];

export const PlaybookSource = Type.String({
  minLength: 1,
  maxLength: playbookSourceLimit,
  description: 'The playbook YAML (Content-Type: application/yaml).',
});

export const Diagnostic = Type.Object(
  {
    file: Type.String(),
    line: Type.Integer({ description: '1-based.' }),
    column: Type.Integer({ description: '1-based.' }),
    message: Type.String(),
    severity: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('warning')])),
    path: Type.Optional(Type.String({ description: 'Where in the playbook, e.g. steps[2].task.due.' })),
    code: Type.Optional(Type.String()),
  },
  closed,
);

export const ValidationReport = Type.Object(
  { valid: Type.Boolean(), diagnostics: Type.Array(Diagnostic) },
  closed,
);

export const PlaybookStatus = Type.Union([Type.Literal('live'), Type.Literal('retired')]);

export const PlaybookSummary = Type.Object(
  {
    id: PlaybookId,
    name: Type.String(),
    latestVersion: Type.Integer(),
    status: PlaybookStatus,
    retiredAt: Type.Optional(DateTime),
  },
  closed,
);

export const PlaybookVersionInfo = Type.Object(
  { version: Type.Integer(), hash: Type.String(), publishedAt: DateTime },
  closed,
);

export const PlaybookDetail = Type.Object(
  {
    id: PlaybookId,
    name: Type.String(),
    latestVersion: Type.Integer(),
    status: PlaybookStatus,
    retiredAt: Type.Optional(DateTime),
    trigger: Type.Record(Type.String(), Type.Unknown(), { description: "The latest version's trigger." }),
    versions: Type.Array(PlaybookVersionInfo),
  },
  closed,
);

export const Published = Type.Object(
  {
    id: PlaybookId,
    name: Type.String(),
    version: Type.Integer(),
    hash: Type.String(),
    created: Type.Boolean({
      description: 'false when this exact YAML was already the latest version (nothing changed).',
    }),
    diagnostics: Type.Array(Diagnostic, { description: 'Warnings, if any.' }),
  },
  closed,
);

export const PlaybookListQuery = Type.Object({ status: Type.Optional(PlaybookStatus), ...PageQuery }, closed);
export const PlaybookPage = Page(PlaybookSummary);

export const VersionParams = Type.Object({ id: PlaybookId, version: Type.Integer({ minimum: 1 }) }, closed);

export const RetireInput = Type.Object(
  {
    cancelRunning: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Also cancel the runs in flight (default: let them finish).',
      }),
    ),
  },
  closed,
);
export const Retired = Type.Object(
  {
    id: PlaybookId,
    status: Type.Literal('retired'),
    retiredAt: DateTime,
    cancelledRuns: Type.Array(Type.String(), { description: 'Runs sent a cancel (with cancelRunning).' }),
  },
  closed,
);
