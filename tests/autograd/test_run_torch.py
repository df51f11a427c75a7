"""autograd.run_torch: PyTorch scripts run unchanged on this engine, and say exactly what is missing."""
import os
import subprocess
import sys
import textwrap

import pytest

import autograd
import nn
from autograd import run_torch
from autograd.run_torch import MissingTorchName, run


def script(tmp_path, source, name="script.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def test_torch_modules_are_ours_under_torch_names(tmp_path):
    out = run(script(tmp_path, """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch.optim.lr_scheduler import StepLR
        from torch.utils.data import DataLoader, TensorDataset
        from torch import nn as nn2
        import torch.nn.init
        import torch.autograd
        from torch.nn.modules.linear import Linear
        """))
    assert out["torch"].Tensor is autograd.Tensor and out["torch"].randn is autograd.randn
    assert out["nn"].Linear is nn.Linear and out["nn2"].Linear is nn.Linear and out["Linear"] is nn.Linear
    assert out["F"].relu is nn.functional.relu
    assert out["optim"].SGD is nn.optim.SGD and out["StepLR"] is nn.optim.lr_scheduler.StepLR
    assert out["DataLoader"] is nn.data.DataLoader and out["TensorDataset"] is nn.data.TensorDataset
    assert out["torch"].nn.init.uniform_ is nn.init.uniform_
    assert out["torch"].autograd.grad is autograd.grad
    assert out["torch"].__name__ == "torch" and out["F"].__name__ == "torch.nn.functional"


def test_submodules_are_reachable_as_attributes_as_in_torch(tmp_path):
    out = run(script(tmp_path, """
        import torch
        loader = torch.utils.data.DataLoader
        clip = torch.nn.utils.clip_grad_norm_
        relu = torch.nn.functional.relu
        """))
    assert out["loader"] is nn.data.DataLoader and out["clip"] is nn.utils.clip_grad_norm_
    assert out["relu"] is nn.functional.relu


def test_other_torch_submodules_are_ours_under_the_mapped_parent(tmp_path):
    out = run(script(tmp_path, """
        import torch.testing
        from torch.autograd import functional
        """))
    assert out["torch"].testing.shapes is autograd.testing.shapes  # torch.testing -> autograd.testing
    assert out["functional"].jacobian is autograd.functional.jacobian


def test_our_internal_modules_are_not_shown_under_torch_names(tmp_path):
    path = script(tmp_path, "import torch\nops = torch.ops\n")
    with pytest.raises(MissingTorchName, match=r"torch\.ops is not implemented"):
        run(path)


def test_a_missing_function_names_itself_the_file_and_the_line(tmp_path):
    path = script(tmp_path, """
        import torch
        import torch.nn.functional as F

        x = torch.randn(2, 3)
        y = F.gumbel_softmax_not_here(x)
        """)
    with pytest.raises(AttributeError) as info:
        run(path)
    error = info.value
    assert isinstance(error, MissingTorchName)
    assert error.torch_name == "torch.nn.functional.gumbel_softmax_not_here"
    assert (error.filename, error.lineno) == (path, 6)
    message = str(error)
    assert "torch.nn.functional.gumbel_softmax_not_here is not implemented in this engine" in message
    assert "script.py, line 6: y = F.gumbel_softmax_not_here(x)" in message


def test_feature_probes_take_their_fallback(tmp_path):
    out = run(script(tmp_path, """
        import torch
        import torch.nn.functional as F
        has_it = hasattr(F, "surely_missing_function")
        found = getattr(torch, "surely_missing_too", None)
        try:
            from torch.nn.functional import surely_missing_function
        except ImportError as error:
            caught = error
        try:
            import torch.surely_missing_module
        except ImportError as error:
            caught_module = error
        """))
    assert out["has_it"] is False and out["found"] is None
    assert isinstance(out["caught"], MissingTorchName) and "line 7" in str(out["caught"])
    assert isinstance(out["caught_module"], ModuleNotFoundError)
    assert "torch.surely_missing_module is not implemented" in str(out["caught_module"])


def test_from_import_of_a_missing_name_is_a_clear_import_error(tmp_path):
    path = script(tmp_path, "from torch.nn.functional import relu, surely_missing_function\n")
    with pytest.raises(ImportError, match=r"torch\.nn\.functional\.surely_missing_function is not implemented in this "
                                          r"engine \(.*script\.py, line 1: from torch"):
        run(path)


def test_an_unknown_torch_module_is_named_at_the_import(tmp_path):
    with pytest.raises(ModuleNotFoundError, match=r"torch\.surely_missing_module is not implemented in this engine "
                                                  r"\(.*script\.py, line 2"):
        run(script(tmp_path, "import torch\nimport torch.surely_missing_module\n"))


def test_torch_modules_this_engine_lacks_import_and_fail_at_first_use(tmp_path):
    path = script(tmp_path, """
        import torch
        import torch.onnx          # imported but only used on request, as in word_language_model
        import torch.distributions as D
        if False:
            torch.onnx.export(None)
        dist = D.Normal(0.0, 1.0)
        """)
    with pytest.raises(MissingTorchName, match=r"torch\.distributions\.Normal is not implemented in this engine "
                                               r"\(.*script\.py, line 7: dist = D\.Normal\(0\.0, 1\.0\)\); this "
                                               r"engine has no torch\.distributions at all"):
        run(path)


def test_names_from_absent_modules_can_be_imported_and_flagged_but_not_used(tmp_path):
    out = run(script(tmp_path, """
        import os
        import torch
        from torch.distributed import init_process_group    # as nanoGPT's train.py, used only under DDP
        torch.backends.cudnn.benchmark = True                # a flag: means nothing on a CPU engine either
        flag = torch.backends.cudnn.benchmark
        if int(os.environ.get("RANK", -1)) != -1:
            init_process_group(backend="nccl")
        """))
    assert out["flag"] is True
    path = script(tmp_path, """
        from torch.distributed import init_process_group
        init_process_group(backend="gloo")
        """)
    with pytest.raises(MissingTorchName, match=r"torch\.distributed\.init_process_group is not implemented in this "
                                               r"engine \(.*script\.py, line 3: init_process_group\(backend=.*"
                                               r"no torch\.distributed at all"):
        run(path)
    with pytest.raises(MissingTorchName, match=r"torch\.nn\.parallel\.DistributedDataParallel is not implemented"):
        run(script(tmp_path, "import torch.nn.parallel as P\nclass Wrapped(P.DistributedDataParallel):\n    pass\n"))


def test_a_missing_tensor_method_is_named_as_torch_names_it(tmp_path):
    path = script(tmp_path, """
        import torch
        x = torch.ones(3)
        x.surely_missing_method()
        """)
    with pytest.raises(AttributeError) as info:
        run(path)
    assert isinstance(info.value, MissingTorchName)
    assert info.value.torch_name == "torch.Tensor.surely_missing_method"
    assert "script.py, line 4: x.surely_missing_method()" in str(info.value)


def test_a_missing_module_method_is_named_after_the_torch_class(tmp_path):
    path = script(tmp_path, """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)

        Net().surely_missing_method()
        """)
    with pytest.raises(MissingTorchName, match=r"torch\.nn\.Module\.surely_missing_method is not implemented .*line 9"):
        run(path)


def test_the_scripts_own_errors_pass_through_unchanged(tmp_path):
    with pytest.raises(ValueError, match="the script's own"):
        run(script(tmp_path, "import torch\nraise ValueError(\"the script's own\")\n"))
    with pytest.raises(AttributeError, match="'Local' object has no attribute 'nothing'") as info:
        run(script(tmp_path, "class Local: pass\nLocal().nothing\n"))
    assert not isinstance(info.value, MissingTorchName)


@pytest.mark.parametrize("package", ["torchvision", "torchtext", "torchsummary"])
def test_packages_built_on_torch_are_refused_by_name(tmp_path, package):
    with pytest.raises(ImportError, match=rf"{package} is a package built on PyTorch; .* \(.*script\.py, line 2"):
        run(script(tmp_path, f"import torch\nfrom {package} import something\n"))


def test_an_installed_package_that_imports_torch_is_refused(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "helperlib").mkdir(parents=True)
    (site / "helperlib" / "__init__.py").write_text("import torch\n")
    monkeypatch.syspath_prepend(str(site))
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ImportError, match=r"helperlib \(imported at .*script\.py, line 1.*\) imports torch itself"):
        run(script(work, "import helperlib\n"))
    assert "helperlib" not in sys.modules or sys.modules.pop("helperlib") is None


def test_argv_name_and_file_are_those_of_a_script(tmp_path):
    path = script(tmp_path, """
        import argparse, sys
        parser = argparse.ArgumentParser()
        parser.add_argument("--epochs", type=int, default=1)
        parser.add_argument("name")
        args = parser.parse_args()
        argv = list(sys.argv)
        if __name__ == "__main__":
            main_ran = True
        """)
    saved_argv = list(sys.argv)
    out = run(path, ["--epochs", "3", "mnist"])
    assert out["args"].epochs == 3 and out["args"].name == "mnist"
    assert out["argv"] == [path, "--epochs", "3", "mnist"]
    assert out["main_ran"] and out["__file__"] == path
    assert sys.argv == saved_argv
    assert "main_ran" not in run(path, ["x"], run_name="not_main")


def test_relative_data_files_and_the_scripts_own_modules(tmp_path, monkeypatch):
    (tmp_path / "helper_for_test.py").write_text("import torch\n\ndef double(x):\n    return torch.as_tensor(x) * 2\n")
    (tmp_path / "beside_script.txt").write_text("3")
    data = tmp_path / "cwd"
    data.mkdir()
    (data / "input.txt").write_text("4")
    monkeypatch.chdir(data)
    path = script(tmp_path, """
        import os
        import helper_for_test
        here = open(os.path.join(os.path.dirname(__file__), "beside_script.txt")).read()
        relative = open("input.txt").read()   # relative to the current directory, as under `python`
        value = helper_for_test.double(int(here) + int(relative)).item()
        """)
    saved_path = list(sys.path)
    assert run(path)["value"] == 14
    assert "helper_for_test" not in sys.modules and sys.path == saved_path


def test_nothing_leaks_into_sys_modules_and_assignments_stay_on_the_script_side(tmp_path):
    before = {name for name in sys.modules if name == "torch" or name.startswith("torch.")}
    run(script(tmp_path, """
        import torch
        import torch.nn.functional as F
        torch.some_flag = True
        F.relu = None
        """))
    after = {name for name in sys.modules if name == "torch" or name.startswith("torch.")}
    assert after == before
    assert not hasattr(autograd, "some_flag") and callable(nn.functional.relu)
    assert run_torch._TorchFinder not in map(type, sys.meta_path)


def test_a_real_torch_imported_by_the_caller_is_put_back(tmp_path):
    torch = pytest.importorskip("torch")
    out = run(script(tmp_path, "import torch\nseen = torch\n"))
    assert out["seen"].Tensor is autograd.Tensor
    assert sys.modules["torch"] is torch and "torch.nn" in sys.modules


def test_system_exit_passes_through(tmp_path):
    with pytest.raises(SystemExit) as info:
        run(script(tmp_path, "import sys\nsys.exit(3)\n"))
    assert info.value.code == 3


def test_command_line_prints_the_message_alone_and_exits_1(tmp_path, capsys):
    path = script(tmp_path, "import torch\ntorch.surely_missing_function(1)\n")
    assert run_torch.main([path]) == 1
    err = capsys.readouterr().err
    assert err.startswith("autograd.run_torch: torch.surely_missing_function is not implemented in this engine")
    assert "Traceback" not in err
    assert run_torch.main(["--help"]) == 0 and "torch.nn.functional" in capsys.readouterr().out
    assert run_torch.main([str(tmp_path / "absent.py")]) == 2


def test_python_dash_m_runs_a_script_with_arguments(tmp_path):
    path = script(tmp_path, """
        import sys
        import torch
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        print(sys.argv[1:], x.grad.tolist())
        """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-m", "autograd.run_torch", path, "--flag", "1"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['--flag', '1'] [2.0, 4.0]"
