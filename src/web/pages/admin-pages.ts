import type { UserSummary } from '../../accounts/account-store.js';
import type { InstanceAuditEntry } from '../../pushes/audit-store.js';
import { notice } from '../form-fields.js';
import { html } from '../html.js';
import { csrfField, renderPage, type PageContext } from '../layout.js';
import { pagination, time } from './dashboard-pages.js';

/**
 * The admin's list of accounts. `providers` maps a user id to the display names of the sign-in providers
 * linked to that account (absent: none); with the password, the two-factor app and the passkey count it
 * makes the "Sign-in methods" column.
 */
export function renderAdminUsers(
  context: PageContext,
  view: { users: readonly UserSummary[]; providers?: ReadonlyMap<number, readonly string[]>; selfId: number; page: number; hasMore: boolean },
  state: { info?: string; message?: string } = {},
): string {
  const { t } = context;
  const methods = (user: UserSummary): string => {
    const list = [
      ...(user.passwordRecord !== null ? [t('admin.method.password')] : []),
      ...(user.twoFactorEnabled ? [t('admin.method.totp')] : []),
      ...(user.passkeyCount > 0 ? [t('admin.method.passkeys', { count: user.passkeyCount })] : []),
      ...(view.providers?.get(user.id) ?? []),
    ];
    return list.length === 0 ? t('admin.method.none') : list.join(', ');
  };
  const action = (user: UserSummary, name: string, label: string, style = 'secondary') =>
    html`<form method="post" action="${context.path(`/admin/users/${String(user.id)}/${name}`)}" class="inline-form">${csrfField(context)}<button type="submit" class="${style} small">${label}</button></form>`;
  const rows = view.users.map((user) => {
    const self = user.id === view.selfId;
    return html`<tr>
  <td>${user.email}${self ? html` <span class="badge">${t('admin.you')}</span>` : ''}</td>
  <td>${user.admin ? t('admin.roleAdmin') : t('admin.roleUser')}</td>
  <td>${user.disabled ? t('admin.disabled') : t('admin.active')}</td>
  <td>${user.twoFactorEnabled ? t('common.yes') : t('common.no')}</td>
  <td data-sign-in-methods>${methods(user)}</td>
  <td>${String(user.pushCount)}</td>
  <td>${time(context, user.createdAt)}</td>
  <td>${user.lastSignInAt ? time(context, user.lastSignInAt) : '—'}</td>
  <td><div class="actions">${self
    ? ''
    : html`${user.admin ? action(user, 'demote', t('admin.demote')) : action(user, 'promote', t('admin.promote'))}
    ${user.disabled ? action(user, 'enable', t('admin.enable')) : action(user, 'disable', t('admin.disable'))}
    ${action(user, 'delete', t('admin.delete'), 'danger')}`}</div></td>
</tr>`;
  });
  const body = html`<h1>${t('admin.usersHeading')}</h1>
<p><a href="${context.path(`/admin/audit`)}">${t('admin.auditLink')}</a> · <a href="${context.path(`/admin/webhooks`)}">${t('webhooks.adminLink')}</a></p>
${notice(state.info, 'info')}${notice(state.message)}
<div class="table-wrap" role="region" tabindex="0" aria-label="${t('admin.usersHeading')}"><table class="list">
  <thead><tr><th scope="col">${t('account.email')}</th><th scope="col">${t('admin.role')}</th><th scope="col">${t('admin.state')}</th><th scope="col">${t('admin.twoFactor')}</th><th scope="col">${t('admin.signInMethods')}</th><th scope="col">${t('admin.pushes')}</th><th scope="col">${t('dashboard.created')}</th><th scope="col">${t('admin.lastSignIn')}</th><th scope="col">${t('admin.actions')}</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>
${pagination(context, view.page, view.hasMore, (page) => context.path(`/admin?page=${page}`))}`;
  return renderPage(context, { title: t('admin.usersHeading'), body, wide: true });
}

export function renderAdminAudit(context: PageContext, view: { entries: readonly InstanceAuditEntry[]; page: number; hasMore: boolean }): string {
  const { t } = context;
  const body = html`<p><a href="${context.path(`/admin`)}">${t('admin.usersHeading')}</a></p>
<h1>${t('admin.auditHeading')}</h1>
<p>${t('admin.auditIntro')}</p>
<div class="table-wrap" role="region" tabindex="0" aria-label="${t('admin.auditHeading')}"><table class="list">
  <thead><tr><th scope="col">${t('dashboard.when')}</th><th scope="col">${t('dashboard.event')}</th><th scope="col">${t('admin.push')}</th><th scope="col">${t('admin.owner')}</th><th scope="col">${t('admin.actor')}</th><th scope="col">${t('dashboard.ip')}</th><th scope="col">${t('dashboard.userAgent')}</th></tr></thead>
  <tbody>${view.entries.map(
    (entry) => html`<tr>
  <td>${time(context, entry.event.createdAt)}</td>
  <td>${t(`audit.${entry.event.kind}`)}${entry.event.reason ? html` (${t(`dashboard.reason.${entry.event.reason}`)})` : ''}</td>
  <td>#${String(entry.pushId)} ${t(`kind.${entry.pushKind}`)}${entry.pushName ? html` · ${entry.pushName}` : ''}</td>
  <td>${entry.ownerEmail ?? t('admin.anonymous')}</td>
  <td>${entry.actorEmail ?? ''}</td>
  <td>${entry.event.ip ?? ''}</td>
  <td class="agent">${entry.event.userAgent ?? ''}</td>
</tr>`,
  )}</tbody>
</table></div>
${pagination(context, view.page, view.hasMore, (page) => context.path(`/admin/audit?page=${page}`))}`;
  return renderPage(context, { title: t('admin.auditHeading'), body, wide: true });
}
