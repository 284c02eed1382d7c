// The department link as this window knows it: read once, then kept current by 'department.link' events (sign-in,
// sign-out, a session the server ended). null until the first answer.
import { useEffect, useState } from 'react';
import type { DepartmentLink } from '../../../electron/api/schemas-department';
import { api } from '../api';

export function useDepartmentLink(): DepartmentLink | null {
  const [link, setLink] = useState<DepartmentLink | null>(null);
  useEffect(() => {
    let alive = true;
    const off = api.on('department.link', (next) => alive && setLink(next));
    api.department.status({}).then(
      (l) => alive && setLink(l),
      () => alive && setLink({ remembered: null, connection: null }),
    );
    return () => {
      alive = false;
      off();
    };
  }, []);
  return link;
}
