import { HooklineApiError } from '@hookline/client';
import { useEffect, useState } from 'preact/hooks';
import { type Api, describeError, type ReplayJob } from './api.js';
import { isoToLocalInput, localInputToIso, valueOf } from './ui.js';

const POLL_MS = 1000;
const HOUR_MS = 3_600_000;

/**
 * "Replay failed since…": a bulk replay of the webhook's failed deliveries created since a time
 * (POST /v1/webhooks/:id/replay), its progress read back (GET /v1/replay-jobs/:id) until it has
 * finished. One job runs per webhook: a 409 is shown, and the running job is followed instead.
 */
export function ReplayFailedSince(props: { api: Api; webhookId: string; onFinished: () => void }) {
  const [since, setSince] = useState(() => isoToLocalInput(new Date(Date.now() - HOUR_MS)));
  const [job, setJob] = useState<ReplayJob | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // poll while the job runs; a read that fails is shown and tried again at the next tick
  useEffect(() => {
    if (!job || job.status !== 'running') return;
    const timer = setTimeout(() => {
      props.api.replayJob(job.id).then(
        (read) => {
          setJob(read);
          if (read.status !== 'running') {
            // a 409 was about this job running; it has finished now
            setMessage(null);
            props.onFinished();
          }
        },
        (err: unknown) => {
          setMessage(describeError(err));
          setJob({ ...job });
        },
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);

  const start = async (e: Event) => {
    e.preventDefault();
    const sinceIso = localInputToIso(since);
    if (!sinceIso) {
      setMessage('Pick the time to replay from.');
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      setJob(await props.api.replayFailedSince(props.webhookId, sinceIso));
    } catch (err) {
      setMessage(describeError(err));
      // one job at a time per webhook: show the one already running
      const running = err instanceof HooklineApiError && err.statusCode === 409 ? (err.detail as { runningJobId?: string } | null)?.runningJobId : undefined;
      if (running) props.api.replayJob(running).then(setJob, () => {});
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="replay" onSubmit={start} data-testid="bulk-replay">
      <div class="row wrap">
        <label class="inline">
          Failed since
          <input type="datetime-local" required value={since} onInput={(e) => setSince(valueOf(e))} data-testid="replay-since" />
        </label>
        <button type="submit" disabled={busy} data-testid="replay-failed">
          {busy ? 'Starting…' : 'Replay failed deliveries'}
        </button>
        <span class="muted small">every failed delivery created since then is sent again, same delivery id</span>
      </div>
      {message ? (
        <p class="error small" role="alert" data-testid="replay-message">
          {message}
        </p>
      ) : null}
      {job ? <ReplayProgress job={job} /> : null}
    </form>
  );
}

function ReplayProgress({ job }: { job: ReplayJob }) {
  const started = job.done + job.failed;
  const percent = job.total > 0 ? Math.round((started / job.total) * 100) : 100;
  const state = job.status === 'running' ? 'running' : job.status === 'completed' ? 'done' : 'failed';
  return (
    <div class={`replay-job ${state}`} data-testid="replay-job" data-job-id={job.id} data-state={state}>
      <div class="row">
        {/* progress is committed once per batch of 100: until the first, a running job shows as under way */}
        <progress
          max={Math.max(job.total, 1)}
          value={state === 'running' && started === 0 ? undefined : job.total > 0 ? started : 1}
          data-testid="replay-progress"
          aria-label={`replay ${percent}%`}
        />
        <strong data-testid="replay-percent">{percent}%</strong>
      </div>
      <p class="small" data-testid="replay-counts">
        <code>{job.id}</code> · {state === 'running' ? 'running' : state === 'done' ? 'done' : 'stopped'}: {job.done} of {job.total} replayed
        {job.failed > 0 ? `, ${job.failed} could not be started` : ''}
        {state === 'done' ? ' — each one now runs its retry schedule again; see the deliveries below.' : ''}{' '}
        <a href={job.temporal.uiUrl} target="_blank" rel="noreferrer">
          Temporal ↗
        </a>
      </p>
    </div>
  );
}
