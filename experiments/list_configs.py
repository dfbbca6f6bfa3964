"""Lists the named experiment configs with their descriptions."""


from experiments import cli
from experiments import configs as registry


def main(argv):
  del argv
  for name in registry.names():
    print(f"{name:40s} {registry.get(name).description}")


if __name__ == "__main__":
  cli.run(main)
