import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError, badRequest, fieldErrorsFromAjv } from '../../kernel/errors.js';

/*
 * 业务数据: what a business system sends to fill a template, as JSON or as XML, optionally checked
 * against the template's JSON Schema before anything is rendered.
 */

/** Largest XML document accepted (characters). */
export const MAX_XML_CHARS = 2 * 1024 * 1024;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Values stay text: 统一社会信用代码, 编号 and phone numbers keep their leading zeros.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/**
 * XML → plain object. A DOCTYPE is refused outright (entity expansion — "billion laughs" — and
 * external entities live there, and business data never needs one). The root element is
 * unwrapped: `<受理><申请人>…` gives `{ 申请人: … }`.
 */
export function parseXmlData(xml: string): Record<string, unknown> {
  if (xml.length > MAX_XML_CHARS) {
    throw new AppError(413, 'data_too_large', '业务数据过大', {
      detail: `XML 不能超过 ${MAX_XML_CHARS / 1024 / 1024} MB`,
    });
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw badRequest('xml_doctype_refused', 'XML 数据不允许包含 DOCTYPE 或实体声明');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw badRequest('xml_invalid', 'XML 数据格式不正确', {
      detail: `第 ${line} 行第 ${col} 列：${msg}`,
      errors: [{ field: 'xml', message: `第 ${line} 行第 ${col} 列：${msg}` }],
    });
  }
  const parsed = parser.parse(xml) as Record<string, unknown>;
  const keys = Object.keys(parsed);
  if (keys.length === 1) {
    const root = parsed[keys[0] as string];
    if (root && typeof root === 'object' && !Array.isArray(root)) return root as Record<string, unknown>;
    return {};
  }
  return parsed;
}

const ajv = new Ajv({ allErrors: true, strict: false });
// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module.
const addFormats = (ajvFormats as unknown as { default: typeof ajvFormats }).default ?? ajvFormats;
(addFormats as unknown as (a: Ajv) => void)(ajv);
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: object, field: string): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw badRequest('data_schema_invalid', '数据结构定义（JSON Schema）不正确', {
        detail: (err as Error).message,
        errors: [{ field, message: (err as Error).message }],
      });
    }
    // Schemas change only when a template is saved; a small bound keeps edits from piling up.
    if (compiled.size >= 200) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, validate);
  }
  return validate;
}

/** 400 `data_schema_invalid` unless `schema` compiles. */
export function checkSchema(schema: object, field = 'dataSchema'): void {
  validatorFor(schema, field);
}

/** 400 `data_invalid` with one Chinese message per failing field, or nothing when it conforms. */
export function validateData(schema: object | null | undefined, data: unknown): void {
  if (!schema) return;
  const validate = validatorFor(schema, 'dataSchema');
  if (validate(data)) return;
  throw badRequest('data_invalid', '业务数据不符合模板的数据结构', {
    errors: fieldErrorsFromAjv((validate.errors ?? []) as any, 'data'),
  });
}
