using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.PowerShell;

/// <summary>
/// The base of every cmdlet whose work is asynchronous (OpenAuthenticode's AsyncPSCmdlet shape): the work runs on
/// a task with the cmdlet's cancellation token; everything it writes is queued and played on the pipeline thread,
/// in order; Ctrl+C cancels the token and ends the cmdlet as PipelineStoppedException; a progress record shown is
/// completed whenever the work ends, unless the pipeline is stopping (nothing may be written then). A write posted
/// after a stop raises PipelineStoppedException in the work instead of being lost.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    // One queue for the cmdlet's life: settings made before the work (a verbose sink) post to it too.
    private readonly PipelineQueue _queue = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stop.Token;

    /// <summary>Runs <paramref name="work"/> to its end, playing its writes here; <paramref name="progress"/> is shown every quarter second.</summary>
    protected internal T Run<T>(Func<CancellationToken, Task<T>> work, Func<ProgressRecord>? progress = null)
    {
        var task = Task.Run(() => work(_stop.Token));
        Play(task, progress);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>As <see cref="Run{T}"/>, for work without a result.</summary>
    protected internal void Run(Func<CancellationToken, Task> work, Func<ProgressRecord>? progress = null) =>
        Run(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        }, progress);

    /// <summary>
    /// As <see cref="Run{T}"/>, for work that fails as a whole about one <paramref name="target"/>: a failure the engine
    /// explains is written as that one error and false returned; anything else still ends the command.
    /// </summary>
    protected internal bool TryRun<T>(Func<CancellationToken, Task<T>> work, object target, out T result, Func<ProgressRecord>? progress = null)
    {
        try
        {
            result = Run(work, progress);
            return true;
        }
        catch (Exception e) when (CmdletErrors.IsExplained(e))
        {
            WriteError(CmdletErrors.From(e, target));
            result = default!;
            return false;
        }
    }

    /// <summary>As <see cref="TryRun{T}"/>, for work without a result.</summary>
    protected internal bool TryRun(Func<CancellationToken, Task> work, object target) =>
        TryRun(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        }, target, out _);

    /// <summary>From any thread: an action for the pipeline thread (WriteObject, WriteError, ...).</summary>
    protected internal void Post(Action action) => _queue.Post(action);

    /// <summary>
    /// The engine's diagnostic sink: lines become verbose output on the pipeline thread. Lines quote names from archives
    /// and text from registries, so control characters are escaped here, the one place every verbose line passes.
    /// </summary>
    protected internal Action<string> VerboseSink => line => Post(() => WriteVerbose(CseAirgap.Engine.Failures.RemoteText.Escape(line)));

    /// <summary>The downstream took what it wanted (Select-Object -First): the work need not go on.</summary>
    protected void CancelWork() => _stop.Cancel();

    protected override void StopProcessing()
    {
        _stop.Cancel();
        _queue.Stop();
    }

    public void Dispose()
    {
        _queue.Dispose();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Play(Task work, Func<ProgressRecord>? progress)
    {
        ProgressRecord? shown = null;
        try
        {
            _queue.RunUntilDone(work, progress == null ? null : () =>
            {
                shown = progress();
                WriteProgress(shown);
            });
        }
        catch (Exception e) when (_stop.IsCancellationRequested && (e is OperationCanceledException || e is PipelineStoppedException))
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            if (shown != null && progress != null && !_stop.IsCancellationRequested)
            {
                var last = progress();
                last.RecordType = ProgressRecordType.Completed;
                WriteProgress(last);
            }
        }
    }
}
