"""synthetic_faces: procedural faces with exact 68-point ground truth.

The renderer works without tfds:

  image, landmarks, visible = render_face(seed)        # one still
  images, landmarks, visible = render_clip(seed, 32)   # one clip

and `transients.render_clip(seed, 32)` / `transients.render_face(seed)` add
transient degradation events (the `*_transient` configs).

The tfds builder lives in `synthetic_faces_dataset_builder` (import it to
register `synthetic_faces` with tfds); it is not imported here, so using the
renderer does not import TensorFlow.
"""

from landmark1d_datasets.synthetic_faces.motion import Clip
from landmark1d_datasets.synthetic_faces.motion import render_clip
from landmark1d_datasets.synthetic_faces.motion import sample_clip
from landmark1d_datasets.synthetic_faces.scene import Rendered
from landmark1d_datasets.synthetic_faces.scene import Scene
from landmark1d_datasets.synthetic_faces.scene import render_face
from landmark1d_datasets.synthetic_faces.scene import render_scene
from landmark1d_datasets.synthetic_faces.scene import sample_scene

__all__ = ["Clip", "Rendered", "Scene", "render_clip", "render_face",
           "render_scene", "sample_clip", "sample_scene"]
