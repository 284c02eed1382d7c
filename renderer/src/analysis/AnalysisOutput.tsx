// The model's text in two sections, always beside the research-use label; with the final analysis, the
// suggested tags, timings and provenance. Used for the live job ("current") and for expanded history items.
import type { Analysis } from '../../../electron/api/schemas';
import { formatMs } from '../ui/format';
import { useSuggestedTagActions } from './suggested-tag-actions';
import type { StreamSections } from '../../../electron/api/analysis-text';

export const AI_LABEL = 'AI-generated, research use only, not for clinical decisions';

interface Props {
  variant: 'current' | 'history';
  streaming: boolean;
  /** While streaming with no text yet: what the job is waiting for. */
  waitingFor?: 'queue' | 'model' | undefined;
  sections: StreamSections;
  analysis: Analysis | null;
}

export function AiLabel({ testId }: { testId: string }) {
  return (
    <p className="ai-label" data-testid={testId}>
      <span aria-hidden="true" className="ai-label-icon">
        AI
      </span>
      {AI_LABEL}
    </p>
  );
}

export function AnalysisOutput({ variant, streaming, waitingFor, sections, analysis }: Props) {
  const tid = (name: string) => (variant === 'current' ? `analysis-${name}` : `history-${name}`);
  const empty = !sections.preamble && !sections.thinking && !sections.answer;
  return (
    <div className={`analysis-output${streaming ? ' is-streaming' : ''}`} data-testid={variant === 'current' ? 'analysis-stream' : 'history-output'} aria-busy={streaming}>
      <AiLabel testId={tid('ai-label')} />
      {streaming ? (
        <StreamingSections tid={tid} sections={sections} waitingFor={waitingFor} />
      ) : empty && analysis && analysis.status !== 'completed' ? (
        <p className="out-empty">No text was generated before the analysis {analysis.status === 'failed' ? 'failed' : 'was cancelled'}.</p>
      ) : (
        <FinalSections tid={tid} sections={sections} unstructured={analysis ? !analysis.structured : false} />
      )}
      {analysis?.timings.cutByContext && (
        <p className="out-note" data-testid={tid('cut')}>
          The answer was cut: the server&apos;s context ran out before the token limit. Ask its administrator for a larger context.
        </p>
      )}
      {analysis && <AnalysisFacts analysis={analysis} variant={variant} />}
    </div>
  );
}

type Tid = (name: string) => string;

/** Live text: only the sections the model has reached, and its raw words until it writes a marker. */
function StreamingSections({ tid, sections, waitingFor }: { tid: Tid; sections: StreamSections; waitingFor: Props['waitingFor'] }) {
  if (!sections.preamble && sections.thinking === null && sections.answer === null) {
    return <p className="out-empty out-waiting">{waitingFor === 'queue' ? 'Waiting in the queue…' : 'Waiting for the model’s first words…'}</p>;
  }
  return (
    <>
      {sections.preamble && (
        <section className="out-section out-raw" data-testid={tid('raw')}>
          <h4>Model output</h4>
          <div className="out-text">{sections.preamble}</div>
        </section>
      )}
      {sections.thinking !== null && (
        <section className="out-section" data-testid={tid('thinking')}>
          <h4>Thinking Process</h4>
          <div className="out-text">{sections.thinking}</div>
        </section>
      )}
      {sections.answer !== null && (
        <section className="out-section out-answer" data-testid={tid('answer')}>
          <h4>Final Answer</h4>
          <div className="out-text">{sections.answer}</div>
        </section>
      )}
    </>
  );
}

/** The finished reply, from the server's parse: both sections always, saying plainly what is missing. */
function FinalSections({ tid, sections, unstructured }: { tid: Tid; sections: StreamSections; unstructured: boolean }) {
  return (
    <>
      <section className="out-section" data-testid={tid('thinking')}>
        <h4>Thinking Process</h4>
        {sections.thinking ? (
          <div className="out-text">{sections.thinking}</div>
        ) : (
          <p className="out-empty">{unstructured ? 'The model did not write a “Thinking Process” section.' : 'None given.'}</p>
        )}
      </section>
      <section className="out-section out-answer" data-testid={tid('answer')}>
        <h4>Final Answer</h4>
        {unstructured && <p className="out-note">The model did not follow the expected format; its whole reply is shown.</p>}
        {sections.answer ? <div className="out-text">{sections.answer}</div> : <p className="out-empty">None given.</p>}
      </section>
    </>
  );
}

function AnalysisFacts({ analysis, variant }: { analysis: Analysis; variant: Props['variant'] }) {
  const actions = useSuggestedTagActions();
  const t = analysis.timings;
  const p = analysis.provenance;
  return (
    <>
      {analysis.suggestedTags.length > 0 && (
        <section className="out-tags" aria-label="Suggested tags">
          <h4>
            Suggested tags <span className="muted">— from words in the answer; not confirmed</span>
          </h4>
          <ul className="chips">
            {analysis.suggestedTags.map((tag) => (
              <li
                key={`${tag.kind}:${tag.id}`}
                className={`chip chip-${tag.kind}`}
                data-testid={variant === 'current' ? 'suggested-tag' : 'history-tag'}
                data-kind={tag.kind}
                data-tag-id={tag.id}
                title={`Suggested because the text mentions: ${tag.matched.join(', ')}`}
              >
                <span className="chip-suggested">Suggested</span>
                <span className="chip-kind">{tag.kind}</span>
                <span className="chip-label">{tag.label}</span>
                {actions && variant === 'current' && (
                  <button
                    type="button"
                    className="chip-accept-btn"
                    disabled={actions.isAccepted(analysis.frameId, tag)}
                    onClick={() => actions.accept(analysis.frameId, tag)}
                    data-testid="suggested-tag-accept-inline"
                    title={actions.isAccepted(analysis.frameId, tag) ? 'Already a tag of this frame' : 'Accept: tag this frame with it'}
                  >
                    {actions.isAccepted(analysis.frameId, tag) ? '✓ Tagged' : 'Accept'}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <dl className="facts" data-testid={variant === 'current' ? 'analysis-meta' : 'history-meta'}>
        <div>
          <dt>Image encode</dt>
          <dd>{formatMs(t.encodeMs)}</dd>
        </div>
        <div>
          <dt>First token</dt>
          <dd>{formatMs(t.timeToFirstTokenMs)}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{t.decodeTokensPerSecond == null ? '—' : `${t.decodeTokensPerSecond.toFixed(1)} tok/s`}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>
            {t.generatedTokens}
            {analysis.params.maxTokens ? ` / ${analysis.params.maxTokens}` : ''}
          </dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{formatMs(t.totalMs)}</dd>
        </div>
        <div className="fact-wide">
          <dt>Device</dt>
          <dd>{p.device || '—'}</dd>
        </div>
        <div className="fact-wide">
          <dt>Model</dt>
          <dd title={`${p.modelFile}\nsha256 ${p.modelSha256}\nprojector ${p.mmprojFile} (${p.mmprojSha256.slice(0, 8)})\n${p.engine} ${p.engineVersion}, llama.cpp ${p.llamaCppRelease}`}>
            {p.modelName} <code>{p.modelSha256.slice(0, 8)}</code>
          </dd>
        </div>
      </dl>
      <details className="out-prompt">
        <summary>Prompt and settings</summary>
        <p className="muted">
          Greedy decoding (temperature {analysis.params.temperature}), at most {analysis.params.maxTokens} new tokens. {p.engine} {p.engineVersion}, llama.cpp{' '}
          {p.llamaCppRelease}.
        </p>
        <pre className="out-text">{analysis.prompt}</pre>
      </details>
    </>
  );
}
