// Library: the case list with search on the left, the selected case (stills and analyses) on the right.
import { useCallback, useEffect, useState } from 'react';
import type { Case } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from '../ui/Button';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { EmptyState } from '../ui/EmptyState';
import { useNotify } from '../ui/notify';
import { CaseDetail } from './CaseDetail';
import { CaseForm } from './CaseForm';
import { CaseList } from './CaseList';
import { LibrarySearch } from './LibrarySearch';
import './library.css';

export interface LibrarySelection {
  caseId: number | null;
  frameId: number | null;
}

type FormState = { mode: 'create' } | { mode: 'edit'; item: Case } | null;

export function LibraryView({
  selection,
  onSelect,
  newCaseRequest = 0,
}: {
  selection: LibrarySelection;
  onSelect: (s: LibrarySelection) => void;
  /** Counts File → New Case… commands: each new value opens the new-case form. */
  newCaseRequest?: number;
}) {
  const notify = useNotify();
  const [search, setSearch] = useState('');
  const [cases, setCases] = useState<Case[] | null>(null);
  const [reload, setReload] = useState(0);
  const [detail, setDetail] = useState<Case | null>(null);
  const [form, setForm] = useState<FormState>(null);
  const [toDelete, setToDelete] = useState<Case | null>(null);
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    if (newCaseRequest > 0) setForm({ mode: 'create' });
  }, [newCaseRequest]);

  useEffect(() => {
    let alive = true;
    const t = setTimeout(
      () => {
        api.cases
          .list(search.trim() ? { search: search.trim() } : {})
          .then((list) => alive && setCases(list))
          .catch((err: unknown) => alive && notify.error(err, 'Could not list cases.'));
      },
      search ? 200 : 0,
    );
    return () => {
      alive = false;
      clearTimeout(t);
    };
  }, [search, reload, notify]);

  // The detail pane follows the selection, even when the search hides the case from the list.
  useEffect(() => {
    if (selection.caseId == null) {
      setDetail(null);
      return;
    }
    if (detail?.id === selection.caseId) return;
    let alive = true;
    api.cases
      .get({ id: selection.caseId })
      .then((c) => alive && setDetail(c))
      .catch((err: unknown) => {
        if (!alive) return;
        notify.error(err);
        onSelect({ caseId: null, frameId: null });
      });
    return () => {
      alive = false;
    };
  }, [selection.caseId, detail?.id, notify, onSelect]);

  const select = useCallback((c: Case) => {
    setDetail(c);
    onSelect({ caseId: c.id, frameId: null });
  }, [onSelect]);

  const saved = (c: Case) => {
    const created = form?.mode === 'create';
    setForm(null);
    setDetail(c);
    onSelect({ caseId: c.id, frameId: created ? null : selection.frameId });
    setReload((n) => n + 1);
    notify.info(created ? `Case ${c.code} created.` : `Case ${c.code} saved.`);
  };

  const confirmDelete = async () => {
    if (!toDelete) return;
    setDeleting(true);
    try {
      await api.cases.delete({ id: toDelete.id });
      notify.info(`Case ${toDelete.code} deleted.`);
      if (selection.caseId === toDelete.id) onSelect({ caseId: null, frameId: null });
      setReload((n) => n + 1);
    } catch (err) {
      notify.error(err, 'The case was not deleted.');
    } finally {
      setDeleting(false);
      setToDelete(null);
    }
  };

  return (
    <div className="library">
      <section className="library-list" aria-label="Case list">
        <header className="pane-header">
          <h1>Library</h1>
          <div className="pane-header-actions">
            <Button onClick={() => onSelect({ caseId: null, frameId: null })} disabled={selection.caseId === null} data-testid="library-search-open" title="Search notes, AI answers, labels and tags; recent reviews">
              Search
            </Button>
            <Button variant="primary" onClick={() => setForm({ mode: 'create' })} data-testid="new-case">
              New case
            </Button>
          </div>
        </header>
        <div className="search">
          <label htmlFor="case-search" className="sr-only">
            Search cases
          </label>
          <input
            id="case-search"
            type="search"
            placeholder="Search code, surgeon or notes"
            value={search}
            maxLength={200}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="case-search"
          />
        </div>
        <div className="library-list-body">
          {cases === null ? (
            <p className="muted pad">Loading cases…</p>
          ) : cases.length === 0 ? (
            search.trim() ? (
              <EmptyState title="No matching cases">Nothing matches “{search.trim()}”.</EmptyState>
            ) : (
              <EmptyState title="No cases yet" action={<Button onClick={() => setForm({ mode: 'create' })}>Create the first case</Button>}>
                A case holds one recorded surgery: its de-identified code, date, eye and surgeon, its still images and their analyses.
              </EmptyState>
            )
          ) : (
            <CaseList cases={cases} selectedId={selection.caseId} onSelect={select} />
          )}
        </div>
        {cases && cases.length > 0 && (
          <p className="list-count" aria-live="polite">
            {cases.length} {cases.length === 1 ? 'case' : 'cases'}
          </p>
        )}
      </section>

      <section className="library-detail" aria-label="Case detail">
        {detail ? (
          <CaseDetail
            key={detail.id}
            item={detail}
            frameId={selection.frameId}
            onSelectFrame={(frameId) => onSelect({ caseId: detail.id, frameId })}
            onEdit={() => setForm({ mode: 'edit', item: detail })}
            onDelete={() => setToDelete(detail)}
          />
        ) : (
          <LibrarySearch onOpenCase={(caseId, frameId) => onSelect({ caseId, frameId })} />
        )}
      </section>

      <Dialog open={form !== null} title={form?.mode === 'edit' ? `Edit case ${form.item.code}` : 'New case'} onClose={() => setForm(null)} wide>
        {form && <CaseForm initial={form.mode === 'edit' ? form.item : null} onSaved={saved} onCancel={() => setForm(null)} />}
      </Dialog>
      <ConfirmDialog
        open={toDelete !== null}
        title="Delete case?"
        danger
        busy={deleting}
        confirmLabel="Delete case"
        message={
          <p>
            Delete case <strong>{toDelete?.code}</strong>? Its still images and analyses are removed too. This cannot be undone.
          </p>
        }
        onConfirm={() => void confirmDelete()}
        onCancel={() => setToDelete(null)}
      />
    </div>
  );
}
