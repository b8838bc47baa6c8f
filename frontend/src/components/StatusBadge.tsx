export function StatusBadge({ active, inactiveLabel = 'Inactive' }: { active: boolean; inactiveLabel?: string }) {
  return <span className={active ? 'badge badge--ok' : 'badge badge--muted'}>{active ? 'Active' : inactiveLabel}</span>;
}
