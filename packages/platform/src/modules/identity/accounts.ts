import { isValidIdNumber, isValidPhone, isValidUscc, maskIdNumber, maskName, maskPhone } from '@jiyue/text/identifiers';
import { can } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, likePattern, type Page, pageBounds, writeCommand } from '../settings/context.js';
import type { AccountKind, AccountRow } from './schema.js';

/*
 * 注册用户: internet users (自然人) and companies (法人). ID numbers and phones are SM4-encrypted;
 * blind indexes make "is this ID number registered" an index lookup.
 */

const ID_INDEX = 'account.idNumber';
const PHONE_INDEX = 'account.phone';

export interface AccountInput {
  kind: AccountKind;
  /** 姓名 (person) or 单位名称 (legal entity). */
  name: string;
  /** 身份证号码 (person) or 统一社会信用代码 (legal entity). */
  idNumber: string;
  /** 法定代表人, legal entities only. */
  legalRepresentative?: string | null;
  phone: string;
}

function checkAccount(input: AccountInput) {
  const idNumber = input.idNumber.toUpperCase();
  const errors = [];
  if (input.kind === 'person' && !isValidIdNumber(idNumber)) {
    errors.push({ field: 'idNumber', message: '应为 18 位居民身份证号码，出生日期与校验位须正确' });
  }
  if (input.kind === 'legalEntity' && !isValidUscc(idNumber)) {
    errors.push({ field: 'idNumber', message: '应为 18 位统一社会信用代码，校验位须正确' });
  }
  if (input.kind === 'legalEntity' && !input.legalRepresentative)
    errors.push({ field: 'legalRepresentative', message: '法人须填写法定代表人' });
  if (input.kind === 'person' && input.legalRepresentative)
    errors.push({ field: 'legalRepresentative', message: '自然人不填写法定代表人' });
  if (!isValidPhone(input.phone)) errors.push({ field: 'phone', message: '手机号码格式不正确' });
  if (errors.length) throw badRequest('invalid_account', '注册用户信息不合法', { errors });
  return idNumber;
}

function accountView(kernel: Kernel, row: AccountRow, reveal: boolean) {
  const idNumber = kernel.crypto.sm4Decrypt(row.id_number_enc);
  const phone = kernel.crypto.sm4Decrypt(row.phone_enc);
  return {
    id: row.id,
    kind: row.kind,
    // A legal entity's name is public; a person's name is personal data and masked like the rest.
    name: reveal || row.kind === 'legalEntity' ? row.name : maskName(row.name),
    idNumber: reveal ? idNumber : maskIdNumber(idNumber),
    legalRepresentative:
      row.legal_representative && !reveal ? maskName(row.legal_representative) : row.legal_representative,
    phone: reveal ? phone : maskPhone(phone),
    status: row.status,
    createdAt: row.created_at,
    masked: !reveal,
  };
}

async function findAccount(db: Db | Tx, id: string): Promise<AccountRow> {
  const row = await db.selectFrom('identity_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('account_not_found', '注册用户不存在', { detail: id });
  return row as AccountRow;
}

export interface AccountQuery extends Page {
  q?: string;
  kind?: AccountKind;
  status?: 'enabled' | 'disabled';
}

/** Lists are always masked; `q` matches a name, or an ID number / phone exactly through the blind index. */
export async function listAccounts(kernel: Kernel, query: AccountQuery) {
  let base = kernel.db.selectFrom('identity_accounts');
  if (query.kind) base = base.where('kind', '=', query.kind);
  if (query.status) base = base.where('status', '=', query.status);
  if (query.q) {
    const q = query.q.trim();
    base = base.where((eb) =>
      eb.or([
        eb('name', 'ilike', likePattern(q)),
        eb('id_number_index', '=', kernel.crypto.blindIndex(q.toUpperCase(), ID_INDEX)),
        eb('phone_index', '=', kernel.crypto.blindIndex(q, PHONE_INDEX)),
      ]),
    );
  }
  const { limit, offset } = pageBounds(query);
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = (await base
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(limit)
    .offset(offset)
    .execute()) as AccountRow[];
  return { items: rows.map((r) => accountView(kernel, r, false)), total: Number(total) };
}

/** Unmasked only for holders of account:reveal; every reveal is audited (who looked at whose data). */
export async function getAccount(kernel: Kernel, ctx: Ctx, id: string) {
  const reveal = can(ctx.principal, 'account:reveal');
  if (!reveal) return accountView(kernel, await findAccount(kernel.db, id), false);
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await findAccount(tx, id);
    return {
      result: accountView(kernel, row, true),
      audit: { action: 'reveal', resource: 'account', resourceId: id, summary: '查看注册用户的完整个人信息' },
    };
  });
}

async function assertIdNumberFree(tx: Tx, kind: AccountKind, index: string, exceptId?: string) {
  let q = tx.selectFrom('identity_accounts').select('id').where('kind', '=', kind).where('id_number_index', '=', index);
  if (exceptId) q = q.where('id', '<>', exceptId);
  if (await q.executeTakeFirst()) {
    throw conflict('account_exists', kind === 'person' ? '该身份证号码已注册' : '该统一社会信用代码已注册', {
      errors: [{ field: 'idNumber', message: '已注册' }],
    });
  }
}

function encryptedFields(kernel: Kernel, idNumber: string, phone: string) {
  return {
    id_number_enc: kernel.crypto.sm4Encrypt(idNumber),
    id_number_index: kernel.crypto.blindIndex(idNumber, ID_INDEX),
    phone_enc: kernel.crypto.sm4Encrypt(phone),
    phone_index: kernel.crypto.blindIndex(phone, PHONE_INDEX),
  };
}

export function createAccount(kernel: Kernel, ctx: Ctx, input: AccountInput) {
  return writeCommand(kernel, ctx, async (tx) => {
    const idNumber = checkAccount(input);
    const fields = encryptedFields(kernel, idNumber, input.phone);
    await assertIdNumberFree(tx, input.kind, fields.id_number_index);
    const row = await tx
      .insertInto('identity_accounts')
      .values({
        kind: input.kind,
        name: input.name,
        legal_representative: input.legalRepresentative ?? null,
        ...fields,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = accountView(kernel, row as AccountRow, false);
    return {
      result: view,
      audit: {
        action: 'create',
        resource: 'account',
        resourceId: row.id,
        summary: `新建注册用户（${input.kind === 'person' ? '自然人' : '法人'}）`,
        detail: view,
      },
    };
  });
}

export function updateAccount(kernel: Kernel, ctx: Ctx, id: string, patch: Partial<Omit<AccountInput, 'kind'>>) {
  return writeCommand(kernel, ctx, async (tx) => {
    const row = await findAccount(tx, id);
    const merged: AccountInput = {
      kind: row.kind,
      name: patch.name ?? row.name,
      idNumber: patch.idNumber ?? kernel.crypto.sm4Decrypt(row.id_number_enc),
      legalRepresentative:
        patch.legalRepresentative !== undefined ? patch.legalRepresentative : row.legal_representative,
      phone: patch.phone ?? kernel.crypto.sm4Decrypt(row.phone_enc),
    };
    const idNumber = checkAccount(merged);
    const fields = encryptedFields(kernel, idNumber, merged.phone);
    await assertIdNumberFree(tx, row.kind, fields.id_number_index, id);
    const updated = await tx
      .updateTable('identity_accounts')
      .set({
        name: merged.name,
        legal_representative: merged.legalRepresentative ?? null,
        ...fields,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = accountView(kernel, updated as AccountRow, false);
    return {
      result: view,
      audit: {
        action: 'update',
        resource: 'account',
        resourceId: id,
        summary: '修改注册用户',
        detail: { changed: Object.keys(patch) },
      },
    };
  });
}

export function setAccountStatus(kernel: Kernel, ctx: Ctx, id: string, status: 'enabled' | 'disabled') {
  return writeCommand(kernel, ctx, async (tx) => {
    await findAccount(tx, id);
    const row = await tx
      .updateTable('identity_accounts')
      .set({ status, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return {
      result: accountView(kernel, row as AccountRow, false),
      audit: {
        action: status === 'enabled' ? 'enable' : 'disable',
        resource: 'account',
        resourceId: id,
        summary: `${status === 'enabled' ? '启用' : '停用'}注册用户`,
      },
    };
  });
}
