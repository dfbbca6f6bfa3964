"""Lists the named experiment configs with their descriptions."""


from experiments import cli
from experiments import configs as registry


def main(argv):
  del argv
  for name in registry.names():
    description = registry.get(name).description
    if name.endswith("_smoke"):  # smoke configs reuse their full config's text
      description = f"smoke (seconds, tiny data) of: {description}"
    print(f"{name:40s} {description}")


if __name__ == "__main__":
  cli.run(main)
