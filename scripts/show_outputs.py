"""Print a notebook's text outputs and glued values
(a maintainer's quick review aid).
"""

import json
import sys

from chapters import GLUE_MIME

for path in sys.argv[1:]:
    notebook = json.load(open(path))
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                print(f"[{index}] {''.join(output['text']).rstrip()}")
            elif output["output_type"] == "error":
                print(f"[{index}] ERROR {output['ename']}: {output['evalue']}")
            elif "data" in output:
                data = output["data"]
                glued = data.get(GLUE_MIME)
                if glued is not None:
                    print(
                        f"[{index}] glue {output['metadata']['scrapbook']['name']} = "
                        f"{glued}"
                    )
                elif "image/png" in data:
                    print(f"[{index}] <figure>")
                elif "text/plain" in data:
                    print(f"[{index}] {''.join(data['text/plain'])}")
