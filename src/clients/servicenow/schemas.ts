import { z } from 'zod';

/**
 * Shapes of the Table API answers we rely on. ServiceNow sends every field as a string, booleans
 * included ("true"/"false"), unless sysparm_display_value asks otherwise; we accept real booleans
 * too so a proxy or a future release that sends JSON booleans does not break the integration.
 */
const snBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const userRecordSchema = z.object({
  sys_id: z.string().min(1),
  user_name: z.string(),
  active: snBoolean,
  locked_out: snBoolean,
});

export const configRecordSchema = z.object({
  sys_id: z.string().min(1),
  // An unset string field comes back as "", never as null or missing, when it is in sysparm_fields.
  api_endpoint: z.string(),
  service_account_id: z.string(),
  access_key: z.string(),
});

export const listResultSchema = <T extends z.ZodType>(record: T) => z.object({ result: z.array(record) });
export const singleResultSchema = <T extends z.ZodType>(record: T) => z.object({ result: record });

/** `{"error":{"message","detail"},"status":"failure"}`; detail is often null (e.g. "Invalid table"). */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    message: z.string().nullish(),
    detail: z.string().nullish(),
  }),
  status: z.string().optional(),
});

export type UserRecord = z.infer<typeof userRecordSchema>;
export type ConfigRecord = z.infer<typeof configRecordSchema>;
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
