# Pending cell for notebooks/src/03_mlp_from_scratch.py (not built: the notebooks' owner places it), meant to
# go right after the "Test accuracy and the confusion matrix" cell, where `model`, `X`, `labels` and
# `test_idx` exist. It needs the `onnx` extra (onnx, onnxruntime), which `.[all]` installs; the notebook
# test's environment therefore needs `.[all]` or the `onnx` extra added to `examples`.

# %% [markdown]
# ## Taking the model elsewhere: ONNX and onnxruntime
#
# Everything above ran on this engine, where every gradient can be read. To deploy the trained model we
# hand it to an engine built for that: `ag.onnx.export` writes it in the ONNX format, which onnxruntime
# (and most frameworks) run on any CPU or GPU. The export records the model op by op, one ONNX node group
# per op; the parameters are stored under their `named_parameters()` names; the batch axis is marked
# dynamic, so the file, exported with a batch of 3 images, runs on the whole test set at once. The
# predictions must be exactly ours.

# %%
import onnxruntime

ag.onnx.export(model, (X[test_idx[:3]],), "digits_mlp.onnx", input_names=["images"], output_names=["logits"],
               dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}})
session = onnxruntime.InferenceSession("digits_mlp.onnx", providers=["CPUExecutionProvider"])
print("inputs:", [(i.name, i.shape) for i in session.get_inputs()],
      " outputs:", [(o.name, o.shape) for o in session.get_outputs()])

(onnx_logits,) = session.run(None, {"images": images[test_idx]})
model.eval()
with ag.no_grad():
    our_logits = model(X[test_idx]).numpy()
onnx_accuracy = (onnx_logits.argmax(axis=1) == labels[test_idx]).mean()
print(f"onnxruntime on {len(test_idx)} test images: accuracy {onnx_accuracy:.3f}; "
      f"largest logit difference from ours {np.abs(onnx_logits - our_logits).max():.1e}")
assert np.allclose(onnx_logits, our_logits, atol=1e-5) and onnx_accuracy == test_acc
