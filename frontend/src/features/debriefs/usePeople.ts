import { useEffect, useState } from 'react';
import { toFormErrors } from '../../api/problem';
import { listAllTeamMembers, type TeamMember } from './debriefsApi';

/** Members of staff to pick from (only for those who schedule or run debriefs). */
export function usePeople(enabled = true): { people: TeamMember[]; loading: boolean; error: string | null } {
  const [people, setPeople] = useState<TeamMember[]>([]);
  const [loading, setLoading] = useState(enabled);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    listAllTeamMembers().then(
      (all) => {
        if (cancelled) return;
        setPeople(all);
        setLoading(false);
      },
      (err: unknown) => {
        if (cancelled) return;
        setError(toFormErrors(err).formError);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [enabled]);
  return { people, loading, error };
}
