using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.PowerShell;

/// <summary>
/// The base of every cmdlet whose work is asynchronous (OpenAuthenticode's AsyncPSCmdlet shape): the work runs on
/// a task with the cmdlet's cancellation token; everything it writes is queued and played on the pipeline thread,
/// in order; Ctrl+C cancels the token and ends the cmdlet as PipelineStoppedException; a progress record is always
/// completed. A write posted after a stop raises PipelineStoppedException in the work instead of being lost.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private PipelineQueue? _queue;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stop.Token;

    /// <summary>Runs <paramref name="work"/> to its end, playing its writes here; <paramref name="progress"/> is shown every quarter second.</summary>
    protected T Run<T>(Func<CancellationToken, Task<T>> work, Func<ProgressRecord>? progress = null)
    {
        var task = Task.Run(() => work(_stop.Token));
        Play(task, progress);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>As <see cref="Run{T}"/>, for work without a result.</summary>
    protected void Run(Func<CancellationToken, Task> work, Func<ProgressRecord>? progress = null) =>
        Run(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        }, progress);

    /// <summary>From any thread: an action for the pipeline thread (WriteObject, WriteError, ...).</summary>
    protected void Post(Action action)
    {
        var queue = _queue ?? throw new InvalidOperationException("Post is for work started by Run.");
        queue.Post(action);
    }

    protected void PostObject(object? value) => Post(() => WriteObject(value));

    protected void PostError(ErrorRecord record) => Post(() => WriteError(record));

    /// <summary>The engine's diagnostic sink: lines become verbose output on the pipeline thread.</summary>
    protected Action<string> VerboseSink => line => Post(() => WriteVerbose(line));

    protected override void StopProcessing()
    {
        _stop.Cancel();
        _queue?.Stop();
    }

    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Play(Task work, Func<ProgressRecord>? progress)
    {
        using var queue = new PipelineQueue();
        _queue = queue;
        ProgressRecord? shown = null;
        try
        {
            queue.RunUntilDone(work, progress == null ? null : () =>
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
            _queue = null;
            if (shown != null && progress != null && !_stop.IsCancellationRequested)
            {
                var last = progress();
                last.RecordType = ProgressRecordType.Completed;
                WriteProgress(last);
            }
        }
    }
}
