import { useLoad } from '../../hooks/useLoad';
import { listAllTeamMembers, type TeamMember } from './debriefsApi';

const loadPeople = () => listAllTeamMembers();

/** Members of staff to pick from (only for those who schedule or run debriefs). */
export function usePeople(enabled = true): { people: TeamMember[]; loading: boolean; error: string | null } {
  const { data, loading, error } = useLoad(enabled ? loadPeople : null);
  return { people: data ?? [], loading, error };
}
