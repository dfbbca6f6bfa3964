"""landmark1d: attentive 1D heatmap regression for facial landmarks (Yin et al., ACM MM 2020)."""

import setuptools

setuptools.setup(
    name="landmark1d",
    version="0.1.0",
    description=("Attentive one-dimensional heatmap regression for facial "
                 "landmark detection and tracking, in TensorFlow 2 / Keras 3."),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    # The tfds builders live in the top-level folder datasets/ (agreed layout)
    # but import as `landmark1d_datasets`: a top-level package called
    # `datasets` would shadow Hugging Face's, which tfds itself may import.
    packages=(setuptools.find_packages(include=["landmark1d", "landmark1d.*",
                                                "experiments", "experiments.*"])
              + ["landmark1d_datasets"]
              + ["landmark1d_datasets." + p
                 for p in setuptools.find_packages(where="datasets")]),
    package_dir={"landmark1d_datasets": "datasets"},
    include_package_data=True,
    install_requires=[
        "tensorflow>=2.16,<2.22",  # Keras 3 on the TF backend
        "keras>=3.3,<4",
        "tensorflow-datasets>=4.9.4,<5",
        "importlib_resources",  # tfds imports it when building datasets
        "numpy>=1.26",
        "opencv-python-headless>=4.8",
        "absl-py>=2.0",
        "matplotlib>=3.7",
        "tensorboard>=2.16",  # tf.summary writers
        "scipy>=1.11",  # Student t quantiles of the benchmarks' intervals
    ],
    extras_require={
        # dlib-bin: prebuilt dlib, whose HOG face detector the predict CLI
        # uses; the tests run it on a real photo.
        # face-recognition-models: dlib's 68-point shape predictor file, the
        # speed benchmark's peer.
        # jax[cpu]: the models on Keras' JAX backend, tested against TF, and
        # bench/device_cost's reduced run (124 MB of wheels, ~0.5 GB).
        # tf2onnx, onnxruntime: `experiments.export --onnx` and its agreement
        # test; they add onnx and move no version TensorFlow pins.
        "test": ["pytest>=8", "dill", "dlib-bin", "face-recognition-models",
                 "ai-edge-litert", "jax[cpu]>=0.10", "tf2onnx>=1.17,<1.18",
                 "onnxruntime"],
        "tflite": ["ai-edge-litert"],
        "onnx": ["tf2onnx>=1.17,<1.18", "onnxruntime"],
        "jax": ["jax[cpu]>=0.10"],  # KERAS_BACKEND=jax, bench/device_cost
        "detect": ["dlib-bin"],
        # The `tfds build datasets/<name>` CLI imports these; pip then moves
        # protobuf 7.36 -> 6.33 and pyarrow 26 -> 25 (TF 2.21 still imports).
        # experiments.build_dataset builds the same files without them.
        "tfds-cli": ["apache-beam", "mlcroissant"],
    },
    entry_points={"console_scripts": [
        "landmark1d-predict=experiments.predict:run",
    ]},
)
