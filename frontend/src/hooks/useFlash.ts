import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';

export interface FlashState {
  flash?: string;
}

/**
 * A one-time message handed to the next page through navigation state
 * (e.g. "Department created"); cleared from history so a reload does not repeat it.
 */
export function useFlash(): [string | null, (message: string | null) => void] {
  const location = useLocation();
  const navigate = useNavigate();
  const incoming = (location.state as FlashState | null)?.flash ?? null;
  const [message, setMessage] = useState<string | null>(incoming);

  useEffect(() => {
    if (incoming) {
      setMessage(incoming);
      navigate(`${location.pathname}${location.search}${location.hash}`, { replace: true, state: null });
    }
  }, [incoming, navigate, location.pathname, location.search, location.hash]);

  return [message, setMessage];
}
