package geo

import "strings"

// Data statuses of an answer: the weakest status of the layer versions it
// consulted (LayerVersion.Status; a layer's status is its features'
// "status" property, official when they carry none).
const (
	DataIllustrative = "illustrative"
	DataEstimated    = "estimated"
	DataOfficial     = "official"
)

// DataStatus says how far an answer's layers can be relied on: the weakest
// status among them (illustrative < estimated < official) and, unless
// every one is official, a note for the permit officer saying so.
func DataStatus(layers []LayerVersion) (string, Text) {
	status := ""
	for _, l := range layers {
		status = WeakerStatus(status, l.Status)
	}
	switch strings.ToLower(status) {
	case DataIllustrative:
		return DataIllustrative, Text{
			ZH: "本结论所用图层含示意数据（非正式成果，位置可能偏差数百米），仅供参考，不得作为正式审批依据；导入正式图层后重新核查。",
			EN: "Some layers used for this answer are illustrative (not official data; positions may be off by hundreds of metres): for orientation only, not a basis for a permit decision. Check again once the official layers are imported.",
		}
	case DataEstimated:
		return DataEstimated, Text{
			ZH: "本结论所用图层含估算数据（非正式成果），正式审批前须以正式图层核实。",
			EN: "Some layers used for this answer are estimated (not official data): verify against the official layers before a permit decision.",
		}
	}
	return DataOfficial, Text{}
}
