// Runs in the renderer: DOM only, no Node.
// People and computers (IT admin): invite staff, approve the computers that used an invite,
// and remove a computer from the clinic. Approving and removing need the clinic root, so a
// computer without it only invites.
import { type FormEvent, type JSX, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ResponseOf } from '../../../../shared/ipc/contract';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { EmptyState } from '../../components/empty-state';
import { SelectField } from '../../components/select-field';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { useStepUp } from '../privacy/step-up';
import { clinic } from '../../lib/api';
import { useQuery } from '../../lib/use-query';
import { errorText } from '../../lib/i18n';
import './people.css';

type People = ResponseOf<'people:list'>;
type Device = People['devices'][number];
type Role = Device['role'];
type Invite = ResponseOf<'people:invite'> & { readonly displayName: string; readonly role: Role };

const roles = ['clinician', 'front-desk', 'it-admin'] as const satisfies readonly Role[];
const reasons = ['lost', 'stolen', 'left', 'replaced', 'other'] as const;
type Reason = (typeof reasons)[number];

/** A device id is long; its start is enough to tell computers apart on screen. */
const shortId = (id: string): string => (id.length > 12 ? `${id.slice(0, 12)}…` : id);

export function PeopleScreen(): JSX.Element {
  const { t } = useTranslation();
  const toast = useToast();
  const guard = useStepUp();
  const { query: load, refresh: reload, retry } = useQuery(() => clinic().people.list({}), []);
  const [refreshing, setRefreshing] = useState(false);
  const [approving, setApproving] = useState(false);
  const [removing, setRemoving] = useState<Device | null>(null);
  const pendingHeading = useRef<HTMLHeadingElement>(null);
  const devicesHeading = useRef<HTMLHeadingElement>(null);
  /** Set after a removal: focus goes to the list's heading once the new list is on screen. */
  const [focusDevices, setFocusDevices] = useState(0);
  useEffect(() => {
    if (focusDevices === 0 || load.state !== 'ready') return;
    const frame = requestAnimationFrame(() => {
      devicesHeading.current?.focus();
      setFocusDevices(0);
    });
    return () => cancelAnimationFrame(frame);
  }, [focusDevices, load]);

  const refresh = useCallback(async () => {
    await reload();
    setRefreshing(false);
  }, [reload]);

  const approveAll = async () => {
    setApproving(true);
    const result = await guard(() => clinic().people.approve({}));
    setApproving(false);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    toast.show('success', t('people.pending.approved', { count: result.value.approved }));
    await refresh();
    pendingHeading.current?.focus();
  };

  const holdsRoot = load.state === 'ready' && load.value.holdsRoot;

  return (
    <section className="people" aria-labelledby="people-title">
      <div className="people__head">
        <div>
          <h2 id="people-title">{t('people.title')}</h2>
          <p className="muted">{t('people.intro')}</p>
        </div>
        <Button
          onClick={() => {
            setRefreshing(true);
            void refresh();
          }}
          busy={refreshing}
        >
          {t('people.refresh')}
        </Button>
      </div>

      {load.state === 'ready' && !load.value.holdsRoot ? (
        <div className="people__note" role="note">
          <strong>{t('people.noRoot.title')}</strong>
          <p>{t('people.noRoot.body')}</p>
        </div>
      ) : null}

      <InviteCard />

      {load.state === 'loading' ? (
        <p className="people__loading" role="status">
          <span className="spinner" aria-hidden="true" /> {t('people.loading')}
        </p>
      ) : load.state === 'failed' ? (
        <div className="notice notice--warn" role="alert">
          <p>{errorText(t, load.error)}</p>
          <Button
            onClick={() => void retry()}
          >
            {t('people.retry')}
          </Button>
        </div>
      ) : (
        <>
          <section className="card people-section" aria-labelledby="people-pending-title">
            <div className="people-section__head">
              <h3 id="people-pending-title" ref={pendingHeading} tabIndex={-1}>
                {t('people.pending.title')}
              </h3>
              {holdsRoot && load.value.pending.length > 0 ? (
                <Button variant="primary" busy={approving} onClick={() => void approveAll()}>
                  {t('people.pending.approveAll')}
                </Button>
              ) : null}
            </div>
            <p>{t('people.pending.intro')}</p>
            <p className="people__compare">{t('people.pending.compare')}</p>
            {load.value.pending.length === 0 ? (
              <EmptyState title={t('people.pending.empty')} body={t('people.pending.emptyBody')} />
            ) : (
              <PendingTable pending={load.value.pending} />
            )}
          </section>

          <section className="card people-section" aria-labelledby="people-devices-title">
            <h3 id="people-devices-title" ref={devicesHeading} tabIndex={-1}>
              {t('people.devices.title')}
            </h3>
            {load.value.devices.length === 0 ? (
              <EmptyState title={t('people.devices.empty')} body={t('people.devices.emptyBody')} />
            ) : (
              <DeviceTable devices={load.value.devices} canRemove={holdsRoot} onRemove={setRemoving} />
            )}
          </section>
        </>
      )}

      <RemoveDialog
        key={removing?.deviceId ?? 'none'}
        device={removing}
        onClose={() => setRemoving(null)}
        onRemoved={async () => {
          setRemoving(null);
          toast.show('success', t('people.remove.done'));
          await refresh();
          setFocusDevices((n) => n + 1);
        }}
      />
    </section>
  );
}

function InviteCard() {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const guard = useStepUp();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('clinician');
  const [days, setDays] = useState('7');
  const [errors, setErrors] = useState<{ name?: string; days?: string }>({});
  const [busy, setBusy] = useState(false);
  const [invite, setInvite] = useState<Invite | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const daysRef = useRef<HTMLInputElement>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (invite) resultHeading.current?.focus();
  }, [invite]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const displayName = name.trim();
    const validDays = /^\d+$/.test(days.trim()) ? Number(days.trim()) : Number.NaN;
    const next: { name?: string; days?: string } = {};
    if (!displayName) next.name = t('people.invite.nameError');
    if (!Number.isInteger(validDays) || validDays < 1 || validDays > 30) next.days = t('people.invite.daysError');
    setErrors(next);
    if (next.name) return nameRef.current?.focus();
    if (next.days) return daysRef.current?.focus();
    setBusy(true);
    const result = await guard(() => clinic().people.invite({ displayName, role, validDays }));
    setBusy(false);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    setInvite({ ...result.value, displayName, role });
  };

  const copy = async () => {
    if (!invite) return;
    try {
      await navigator.clipboard.writeText(invite.shortCode);
      toast.show('success', t('people.invite.copied'));
    } catch {
      toast.show('info', t('people.invite.copyFailed'));
    }
  };

  const again = () => {
    setInvite(null);
    setName('');
    setDays('7');
    requestAnimationFrame(() => nameRef.current?.focus());
  };

  if (invite) {
    const expires = new Date(invite.expiresAt).toLocaleString(i18n.language, { dateStyle: 'long', timeStyle: 'short' });
    return (
      <section className="card people-section people-invite" aria-labelledby="people-invite-result">
        <h3 id="people-invite-result" ref={resultHeading} tabIndex={-1}>
          {t('people.invite.ready', { name: invite.displayName, role: t(`people.roles.${invite.role}`) })}
        </h3>
        <dl className="people-invite__facts">
          <dt>{t('people.invite.server')}</dt>
          <dd className="people-invite__server" data-testid="invite-relay">
            {invite.relayUrl}
          </dd>
          <dt>{t('people.invite.code')}</dt>
          <dd className="people-invite__code people-invite__code--short" data-testid="invite-short-code">
            {invite.shortCode}
          </dd>
        </dl>
        <details className="people-invite__details">
          <summary>{t('people.invite.details')}</summary>
          <p className="muted">{t('people.invite.fullCode')}</p>
          <p className="people-invite__code" data-testid="invite-code">
            {invite.code}
          </p>
        </details>
        <p>{t('people.invite.expires', { date: expires })}</p>
        <p className="people__compare">{t('people.invite.handOver')}</p>
        <p className="muted">{t('people.invite.sameComputer')}</p>
        <div className="actions actions--start">
          <Button onClick={() => void copy()}>{t('people.invite.copy')}</Button>
          <Button variant="quiet" onClick={again}>
            {t('people.invite.another')}
          </Button>
        </div>
      </section>
    );
  }

  return (
    <section className="card people-section" aria-labelledby="people-invite-title">
      <h3 id="people-invite-title">{t('people.invite.title')}</h3>
      <p>{t('people.invite.intro')}</p>
      <form className="people-invite__form" aria-labelledby="people-invite-title" onSubmit={(e) => void submit(e)} noValidate>
        <TextField ref={nameRef} label={t('people.invite.name')} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} maxLength={100} autoComplete="off" required />
        <SelectField label={t('people.invite.role')} value={role} options={roles.map((value) => ({ value, label: t(`people.roles.${value}`) }))} onChange={setRole} />
        <TextField
          ref={daysRef}
          label={t('people.invite.days')}
          hint={t('people.invite.daysHint')}
          type="number"
          inputMode="numeric"
          min={1}
          max={30}
          value={days}
          onChange={(e) => setDays(e.target.value)}
          error={errors.days}
          required
        />
        <div className="people-invite__submit">
          <Button type="submit" variant="primary" busy={busy}>
            {t('people.invite.submit')}
          </Button>
        </div>
      </form>
    </section>
  );
}

function PendingTable({ pending }: Readonly<{ pending: People['pending'] }>) {
  const { t, i18n } = useTranslation();
  return (
    <div className="people-table-wrap">
      <table className="people-table">
        <caption className="visually-hidden">{t('people.pending.caption', { count: pending.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('people.pending.name')}</th>
            <th scope="col">{t('people.pending.role')}</th>
            <th scope="col">{t('people.pending.redeemed')}</th>
          </tr>
        </thead>
        <tbody>
          {pending.map((row) => (
            <tr key={row.inviteId}>
              <th scope="row">{row.displayName}</th>
              <td>{t(`people.roles.${row.role}`)}</td>
              <td>{new Date(row.redeemedAt).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeviceTable({ devices, canRemove, onRemove }: Readonly<{ devices: People['devices']; canRemove: boolean; onRemove: (device: Device) => void }>) {
  const { t } = useTranslation();
  return (
    <div className="people-table-wrap">
      <table className="people-table">
        <caption className="visually-hidden">{t('people.devices.caption', { count: devices.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('people.devices.device')}</th>
            <th scope="col">{t('people.devices.role')}</th>
            <th scope="col">{t('people.devices.person')}</th>
            {canRemove ? <th scope="col">{t('people.devices.actions')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {devices.map((device) => (
            <tr key={device.deviceId} data-device-id={device.deviceId}>
              <th scope="row">
                <span className="people-table__id" title={device.deviceId}>
                  {shortId(device.deviceId)}
                </span>
                {device.self ? <span className="people-badge">{t('people.devices.self')}</span> : null}
              </th>
              <td>{t(`people.roles.${device.role}`)}</td>
              <td>
                <span className="people-table__id">{device.staffId}</span>
              </td>
              {canRemove ? (
                <td>
                  {device.self ? null : (
                    <Button variant="danger" aria-label={t('people.devices.removeLabel', { device: shortId(device.deviceId) })} onClick={() => onRemove(device)}>
                      {t('people.devices.remove')}
                    </Button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RemoveDialog({ device, onClose, onRemoved }: Readonly<{ device: Device | null; onClose: () => void; onRemoved: () => Promise<void> }>) {
  const { t } = useTranslation();
  const toast = useToast();
  const guard = useStepUp();
  const [reason, setReason] = useState<Reason>('lost');
  const [busy, setBusy] = useState(false);
  const current = device;

  const submit = async () => {
    if (!device || busy) return;
    setBusy(true);
    const result = await guard(() => clinic().people.revoke({ deviceId: device.deviceId, reason }));
    setBusy(false);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    await onRemoved();
  };

  return (
    <Dialog
      open={device !== null}
      title={t('people.remove.title')}
      onClose={() => !busy && onClose()}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="quiet" onClick={onClose} disabled={busy}>
            {t('people.remove.cancel')}
          </Button>
          <Button type="submit" variant="danger" busy={busy}>
            {t('people.remove.confirm')}
          </Button>
        </>
      }
    >
      {current ? (
        <p>
          <strong>{t('people.remove.which', { device: shortId(current.deviceId), role: t(`people.roles.${current.role}`), person: current.staffId })}</strong>
        </p>
      ) : null}
      <ul className="people-remove__effects">
        <li>{t('people.remove.refused')}</li>
        <li>{t('people.remove.newKey')}</li>
        <li>{t('people.remove.kept')}</li>
      </ul>
      <SelectField label={t('people.remove.reason')} value={reason} options={reasons.map((value) => ({ value, label: t(`people.remove.reasons.${value}`) }))} onChange={setReason} />
    </Dialog>
  );
}
